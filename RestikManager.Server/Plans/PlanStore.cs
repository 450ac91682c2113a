using System.Text.Json;
using Dapper;
using RestikManager.Contracts.Protocol;
using RestikManager.Contracts.Schedules;
using RestikManager.Server.Data;

namespace RestikManager.Server.Plans;

/// <summary>
/// A backup plan: what to back up, where to, when (no <see cref="Schedule"/>: on demand only), and how long to keep it.
/// Its schedules are parsed where they come in (the request, the row) and carried as values in <see cref="TimeZone"/>;
/// the API shows each as its expression.
/// </summary>
internal sealed record Plan(
    string Id, string Name, string RepositoryId, IReadOnlyList<string> Hosts, IReadOnlyList<string> Labels,
    IReadOnlyList<string> Paths, IReadOnlyList<string> Excludes, IReadOnlyList<string> Tags,
    CronSchedule? Schedule, string TimeZone, Retention Retention, CronSchedule? ForgetSchedule, CronSchedule? CheckSchedule,
    int? LimitUploadKiB, int? LimitDownloadKiB, bool Enabled, string CreatedAt, string UpdatedAt,
    CronSchedule? DrillSchedule = null, string? DrillHost = null, int DrillFiles = JobSpec.DefaultDrillFiles,
    long DrillMaxBytes = JobSpec.DefaultDrillMaxBytes, int? RequireDrillWithinDays = null, string? CheckReadData = null,
    IReadOnlyList<string>? CopyTo = null, bool RequireCopy = false)
{
    /// <summary>The repositories each new snapshot is copied to (second copies).</summary>
    public IReadOnlyList<string> CopyTo { get; init; } = CopyTo ?? [];

    /// <summary>Hooks around each backup, by allowlist name (each phase a list, possibly empty).</summary>
    public PlanHooks Hooks { get; init; } = PlanHooksValues.None;

    /// <summary>A failing <c>before</c> hook does not stop the backup.</summary>
    public bool ContinueOnError { get; init; }

    /// <summary>Database sources, by allowlist name: each dumped into a snapshot of its own.</summary>
    public IReadOnlyList<string> Databases { get; init; } = [];

    /// <summary>Windows hosts back up from a volume shadow copy (<c>--use-fs-snapshot</c>).</summary>
    public bool UseFsSnapshot { get; init; }

    /// <summary>
    /// Whether a backup of this plan needs an agent that knows hooks and database sources: an older one would back up the
    /// paths and skip the rest without a word, so it is not sent such a backup.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool NeedsAllowlist => !Hooks.IsEmpty || Databases.Count > 0 || UseFsSnapshot;
}

/// <summary>Plan hooks as the server keeps them: every phase a list.</summary>
internal static class PlanHooksValues
{
    public static readonly PlanHooks None = new([], [], [], []);

    public static PlanHooks Whole(PlanHooks? hooks) =>
        new(hooks?.Before ?? [], hooks?.After ?? [], hooks?.OnFailure ?? [], hooks?.Finally ?? []);
}

/// <summary>The <c>plans</c> table; list-valued fields are JSON arrays; an on-demand plan's schedule column is ''.</summary>
internal sealed class PlanStore(Database database, TimeProvider time)
{
    private sealed record Row(
        string Id, string Name, string RepositoryId, string Hosts, string Labels, string Paths, string Excludes, string Tags,
        string Schedule, string TimeZone, string Retention, string? ForgetSchedule, string? CheckSchedule,
        long? LimitUpload, long? LimitDownload, long Enabled, string CreatedAt, string UpdatedAt,
        string? DrillSchedule, string? DrillHost, long DrillFiles, long DrillMaxBytes, long? RequireDrillWithinDays, string? CheckReadData,
        string CopyTo, long RequireCopy, string Hooks, long ContinueOnError, string Databases, long UseFsSnapshot);

    private const string Columns =
        "id, name, repository_id AS RepositoryId, hosts, labels, paths, excludes, tags, schedule, time_zone AS TimeZone, retention, " +
        "forget_schedule AS ForgetSchedule, check_schedule AS CheckSchedule, limit_upload AS LimitUpload, limit_download AS LimitDownload, " +
        "enabled, created_at AS CreatedAt, updated_at AS UpdatedAt, drill_schedule AS DrillSchedule, drill_host AS DrillHost, " +
        "drill_files AS DrillFiles, drill_max_bytes AS DrillMaxBytes, require_drill_within_days AS RequireDrillWithinDays, " +
        "check_read_data AS CheckReadData, copy_to AS CopyTo, require_copy AS RequireCopy, hooks, " +
        "continue_on_error AS ContinueOnError, databases, use_fs_snapshot AS UseFsSnapshot";

    public IReadOnlyList<Plan> List()
    {
        using var connection = database.Open();
        return connection.Query<Row>($"SELECT {Columns} FROM plans ORDER BY {database.Sql.NoCase("name")}").Select(ToPlan).ToList();
    }

    /// <summary>
    /// The plans that back up into <paramref name="repositoryId"/> or copy their snapshots there, by name: their hosts
    /// are the ones that can reach it (for maintenance, snapshot listings and browsing).
    /// </summary>
    public IReadOnlyList<Plan> OfRepository(string repositoryId)
    {
        using var connection = database.Open();
        return connection.Query<Row>(
                $"SELECT {Columns} FROM plans WHERE repository_id = @repositoryId " +
                $"OR EXISTS (SELECT 1 FROM {database.Sql.JsonElements("plans.copy_to", "copy")} WHERE copy.value = @repositoryId) ORDER BY {database.Sql.NoCase("name")}", new { repositoryId })
            .Select(ToPlan).ToList();
    }

    public Plan? Find(string id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<Row>($"SELECT {Columns} FROM plans WHERE id = @id", new { id }) is { } row ? ToPlan(row) : null;
    }

    public bool NameTaken(string name, string? exceptId)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<long>($"SELECT count(*) FROM plans WHERE {database.Sql.NoCaseEquals("name", "@name")} AND id IS DISTINCT FROM @exceptId", new { name, exceptId }) > 0;
    }

    public Plan Save(Plan plan)
    {
        var now = time.GetUtcNow();
        using var connection = database.Open();
        connection.Execute("""
            INSERT INTO plans (id, name, repository_id, hosts, labels, paths, excludes, tags, schedule, time_zone, retention,
                               forget_schedule, check_schedule, limit_upload, limit_download, enabled, created_at, updated_at,
                               drill_schedule, drill_host, drill_files, drill_max_bytes, require_drill_within_days, check_read_data,
                               copy_to, require_copy, hooks, continue_on_error, databases, use_fs_snapshot)
            VALUES (@Id, @Name, @RepositoryId, @Hosts, @Labels, @Paths, @Excludes, @Tags, @Schedule, @TimeZone, @Retention,
                    @ForgetSchedule, @CheckSchedule, @LimitUploadKiB, @LimitDownloadKiB, @Enabled, @now, @now,
                    @DrillSchedule, @DrillHost, @DrillFiles, @DrillMaxBytes, @RequireDrillWithinDays, @CheckReadData,
                    @CopyTo, @RequireCopy, @Hooks, @ContinueOnError, @Databases, @UseFsSnapshot)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, repository_id = excluded.repository_id, hosts = excluded.hosts,
                labels = excluded.labels, paths = excluded.paths, excludes = excluded.excludes, tags = excluded.tags,
                schedule = excluded.schedule, time_zone = excluded.time_zone, retention = excluded.retention,
                forget_schedule = excluded.forget_schedule, check_schedule = excluded.check_schedule,
                limit_upload = excluded.limit_upload, limit_download = excluded.limit_download, enabled = excluded.enabled,
                updated_at = excluded.updated_at, drill_schedule = excluded.drill_schedule, drill_host = excluded.drill_host,
                drill_files = excluded.drill_files, drill_max_bytes = excluded.drill_max_bytes,
                require_drill_within_days = excluded.require_drill_within_days, check_read_data = excluded.check_read_data,
                copy_to = excluded.copy_to, require_copy = excluded.require_copy, hooks = excluded.hooks,
                continue_on_error = excluded.continue_on_error, databases = excluded.databases, use_fs_snapshot = excluded.use_fs_snapshot
            """,
            new
            {
                plan.Id, plan.Name, plan.RepositoryId, Hosts = Write(plan.Hosts), Labels = Write(plan.Labels), Paths = Write(plan.Paths),
                Excludes = Write(plan.Excludes), Tags = Write(plan.Tags), Schedule = plan.Schedule?.Expression ?? "", plan.TimeZone,
                Retention = JsonSerializer.Serialize(plan.Retention, StoredJson.Default.Retention),
                ForgetSchedule = plan.ForgetSchedule?.Expression, CheckSchedule = plan.CheckSchedule?.Expression,
                plan.LimitUploadKiB, plan.LimitDownloadKiB, Enabled = plan.Enabled ? 1 : 0, now,
                DrillSchedule = plan.DrillSchedule?.Expression, plan.DrillHost, plan.DrillFiles, plan.DrillMaxBytes,
                plan.RequireDrillWithinDays, plan.CheckReadData, CopyTo = Write(plan.CopyTo), RequireCopy = plan.RequireCopy ? 1 : 0,
                Hooks = JsonSerializer.Serialize(plan.Hooks, StoredJson.Default.PlanHooks), ContinueOnError = plan.ContinueOnError ? 1 : 0,
                Databases = Write(plan.Databases), UseFsSnapshot = plan.UseFsSnapshot ? 1 : 0,
            });
        return Find(plan.Id)!;
    }

    public bool Delete(string id)
    {
        using var connection = database.Open();
        return connection.Execute("DELETE FROM plans WHERE id = @id", new { id }) > 0;
    }

    private static string Write(IReadOnlyList<string> values) => JsonSerializer.Serialize([.. values], StoredJson.Default.ListString);

    private static List<string> Read(string json) => JsonSerializer.Deserialize(json, StoredJson.Default.ListString) ?? [];

    private static Plan ToPlan(Row r) => new(
        r.Id, r.Name, r.RepositoryId, Read(r.Hosts), Read(r.Labels), Read(r.Paths), Read(r.Excludes), Read(r.Tags),
        Schedule(r.Schedule, r.TimeZone), r.TimeZone, JsonSerializer.Deserialize(r.Retention, StoredJson.Default.Retention) ?? new Retention(),
        Schedule(r.ForgetSchedule, r.TimeZone), Schedule(r.CheckSchedule, r.TimeZone), (int?)r.LimitUpload, (int?)r.LimitDownload,
        r.Enabled != 0, r.CreatedAt, r.UpdatedAt, Schedule(r.DrillSchedule, r.TimeZone), r.DrillHost, (int)r.DrillFiles, r.DrillMaxBytes,
        (int?)r.RequireDrillWithinDays, r.CheckReadData, Read(r.CopyTo), r.RequireCopy != 0)
    {
        Hooks = PlanHooksValues.Whole(JsonSerializer.Deserialize(r.Hooks, StoredJson.Default.PlanHooks)),
        ContinueOnError = r.ContinueOnError != 0,
        Databases = Read(r.Databases),
        UseFsSnapshot = r.UseFsSnapshot != 0,
    };

    // Checked when it was written; one that no longer parses (its zone left the system's database) runs on demand only.
    private static CronSchedule? Schedule(string? expression, string timeZone) =>
        string.IsNullOrEmpty(expression) || !CronSchedule.TryParse(expression, timeZone, out var schedule, out _, out _) ? null : schedule;
}
