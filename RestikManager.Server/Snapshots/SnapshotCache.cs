using System.Text.Json;
using Dapper;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Data;

namespace RestikManager.Server.Snapshots;

/// <summary>A cached snapshot, as the API lists it.</summary>
internal sealed record SnapshotView(
    string Id, string ShortId, string Time, string Hostname, IReadOnlyList<string> Paths, IReadOnlyList<string> Tags, string? PlanId);

/// <summary>
/// The server's copy of each repository's snapshot list, replaced whole after every refresh (after backups and
/// forgets, and on request), so listing never waits for restic.
/// </summary>
internal sealed class SnapshotCache(Database database, TimeProvider time)
{

    private const string Columns = "id, short_id AS ShortId, time, hostname, paths, tags, plan_id AS PlanId";

    private sealed record Row(string Id, string ShortId, string Time, string Hostname, string Paths, string Tags, string? PlanId);

    public void Replace(string repositoryId, IReadOnlyList<SnapshotInfo> snapshots)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        connection.Execute("DELETE FROM snapshots WHERE repository_id = @repositoryId", new { repositoryId }, transaction);
        connection.Execute("""
            INSERT INTO snapshots (repository_id, id, short_id, time, hostname, paths, tags, plan_id)
            VALUES (@repositoryId, @Id, @ShortId, @Time, @Hostname, @Paths, @Tags, @PlanId)
            ON CONFLICT (repository_id, id) DO NOTHING
            """, snapshots.Select(s => new
        {
            repositoryId, s.Id, s.ShortId, s.Time, s.Hostname,
            Paths = JsonSerializer.Serialize([.. s.Paths], StoredJson.Default.ListString),
            Tags = JsonSerializer.Serialize((s.Tags ?? []).Where(t => !t.StartsWith(SnapshotTags.PlanPrefix, StringComparison.Ordinal)).ToList(), StoredJson.Default.ListString),
            PlanId = SnapshotTags.PlanOf(s.Tags),
        }), transaction);
        Refreshed(connection, transaction, repositoryId, null);
        transaction.Commit();
    }

    public void Failed(string repositoryId, string error)
    {
        using var connection = database.Open();
        Refreshed(connection, null, repositoryId, error);
    }

    public (string? RefreshedAt, string? Error) LastRefresh(string repositoryId)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<(string?, string?)>(
            "SELECT refreshed_at, error FROM snapshot_refreshes WHERE repository_id = @repositoryId", new { repositoryId });
    }

    /// <summary>How many cached snapshots each plan has per hostname (for /metrics): one grouped read.</summary>
    public IReadOnlyDictionary<(string PlanId, string Hostname), long> CountsByPlanAndHost()
    {
        using var connection = database.Open();
        return connection.Query<(string PlanId, string Hostname, long Count)>(
                "SELECT plan_id, hostname, count(*) FROM snapshots WHERE plan_id IS NOT NULL GROUP BY plan_id, hostname")
            .ToDictionary(x => (x.PlanId, x.Hostname), x => x.Count);
    }

    public IReadOnlyList<SnapshotView> List(string repositoryId, string? hostname, string? planId)
    {
        using var connection = database.Open();
        return connection.Query<Row>($"""
            SELECT {Columns} FROM snapshots
            WHERE repository_id = @repositoryId AND (@hostname IS NULL OR {database.Sql.NoCaseEquals("hostname", "@hostname")}) AND (@planId IS NULL OR plan_id = @planId)
            ORDER BY time DESC
            """, new { repositoryId, hostname, planId }).Select(ToView).ToList();
    }

    /// <summary>Finds a snapshot by full or short id (a unique prefix).</summary>
    public SnapshotView? Find(string repositoryId, string id)
    {
        using var connection = database.Open();
        var matches = connection.Query<Row>($"SELECT {Columns} FROM snapshots WHERE repository_id = @repositoryId AND substr(id, 1, length(@id)) = @id LIMIT 2",
            new { repositoryId, id }).ToList();
        return matches.Count == 1 ? ToView(matches[0]) : null;
    }

    private void Refreshed(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, string repositoryId, string? error) =>
        connection.Execute("""
            INSERT INTO snapshot_refreshes (repository_id, refreshed_at, error) VALUES (@repositoryId, @now, @error)
            ON CONFLICT (repository_id) DO UPDATE SET refreshed_at = excluded.refreshed_at, error = excluded.error
            """, new { repositoryId, now = time.GetUtcNow(), error }, transaction);

    private static SnapshotView ToView(Row r) => new(r.Id, r.ShortId, r.Time, r.Hostname, Read(r.Paths), Read(r.Tags), r.PlanId);

    private static List<string> Read(string json) => JsonSerializer.Deserialize(json, StoredJson.Default.ListString) ?? [];
}
