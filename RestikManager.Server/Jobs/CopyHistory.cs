using System.Text.Json;
using Dapper;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Data;

namespace RestikManager.Server.Jobs;

/// <summary>A plan's newest finished copy to one target, and when its newest successful copy there started (null: never).</summary>
internal sealed record LastCopy(JobRecord Latest, string? LastSucceededStartedAt);

/// <summary>What the copies of plans did: read by the verdict, the alerts and the metrics.</summary>
internal sealed class CopyHistory(Database database)
{
    /// <summary>
    /// For each (plan, copy target): the newest finished copy, and when the newest successful one started (a snapshot
    /// that existed then is in the target). One query, an index seek per pair (jobs_by_plan_target_finished_copy).
    /// </summary>
    public IReadOnlyDictionary<(string PlanId, string TargetId), LastCopy> LastCopies(IEnumerable<(string PlanId, string TargetId)> pairs)
    {
        var wanted = pairs.Distinct().Select(p => new[] { p.PlanId, p.TargetId }).ToList();
        if (wanted.Count == 0)
        {
            return new Dictionary<(string, string), LastCopy>();
        }

        using var connection = database.Open();
        var rows = connection.Query<JobRecord, LastCopyStart?, (JobRecord Job, LastCopyStart? Start)>($"""
            SELECT {JobStore.Columns}, LastSucceededStartedAt FROM (
                SELECT j.*,
                       (SELECT s.started_at FROM jobs s
                        WHERE s.plan_id = j.plan_id AND s.repository_id = j.repository_id AND s.kind = '{JobKinds.Copy}'
                          AND s.finished_at IS NOT NULL AND s.status = '{JobStatuses.Succeeded}'
                        ORDER BY s.finished_at DESC LIMIT 1) AS LastSucceededStartedAt
                FROM {database.Sql.JsonElements("@pairs", "pair", text: false)}
                JOIN jobs j ON j.id = (
                    SELECT x.id FROM jobs x
                    WHERE x.plan_id = {database.Sql.JsonItem("pair.value", 0)} AND x.repository_id = {database.Sql.JsonItem("pair.value", 1)}
                      AND x.kind = '{JobKinds.Copy}' AND x.finished_at IS NOT NULL
                    ORDER BY x.finished_at DESC LIMIT 1)) AS newest
            """, (job, start) => (job, start), new { pairs = JsonSerializer.Serialize(wanted, StoredJson.Default.ListStringArray) },
            splitOn: "LastSucceededStartedAt");
        return rows.ToDictionary(x => (x.Job.PlanId!, x.Job.RepositoryId), x => new LastCopy(x.Job, x.Start?.LastSucceededStartedAt));
    }

    // Settable (not positional): Dapper hands over null when the column is NULL.
    private sealed class LastCopyStart
    {
        public string? LastSucceededStartedAt { get; set; }
    }

}
