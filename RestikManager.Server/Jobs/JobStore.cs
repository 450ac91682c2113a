using System.Text.Json;
using Dapper;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Data;
using RestikManager.Server.Events;

namespace RestikManager.Server.Jobs;

internal sealed record JobRecord(
    string Id, string Kind, string RepositoryId, string? PlanId, string AgentId, string Trigger, string Status, string? Spec,
    string CreatedAt, string? DispatchedAt, string? StartedAt, string? FinishedAt, long? ExitCode, string? ErrorClass, string? Error,
    string? SnapshotId, string? Summary, string? SubjectAgentId = null, string? Hooks = null, string? Dumps = null) : IJobIdentity
{
    /// <summary>The host whose data the job is about: a drill's source host; otherwise the host that runs it.</summary>
    public string Subject => SubjectAgentId ?? AgentId;

    string IJobIdentity.JobId => Id;
}

/// <summary>Which jobs to list: every field set narrows it; <see cref="Since"/>/<see cref="Before"/> bound the creation time.</summary>
internal sealed record JobFilter(
    string? PlanId = null, string? AgentId = null, string? RepositoryId = null, string? Status = null, string? Kind = null,
    DateTimeOffset? Since = null, DateTimeOffset? Before = null)
{
    public const string Where = """
        (@PlanId IS NULL OR plan_id = @PlanId) AND (@AgentId IS NULL OR agent_id = @AgentId)
        AND (@RepositoryId IS NULL OR repository_id = @RepositoryId) AND (@Status IS NULL OR status = @Status)
        AND (@Kind IS NULL OR kind = @Kind) AND (CAST(@Since AS TEXT) IS NULL OR created_at >= @Since) AND (CAST(@Before AS TEXT) IS NULL OR created_at < @Before)
        """;

    public DynamicParameters Parameters(object? more)
    {
        var parameters = new DynamicParameters(this);
        parameters.AddDynamicParams(more);
        return parameters;
    }
}

/// <summary>
/// A host's newest finished backup of a plan, and when its newest successful one finished (null: never); and the same of
/// the drills that restored this host's snapshots of the plan (on any host).
/// </summary>
internal sealed record LastBackup(JobRecord Latest, string? LastSucceededAt)
{
    /// <summary>
    /// The newest drill of this host's data under the plan that passed or failed (null: none yet). A drill that was
    /// interrupted or cancelled proved nothing either way and is not counted.
    /// </summary>
    public JobRecord? LatestDrill { get; init; }

    /// <summary>The newest drill that passed (null: none yet).</summary>
    public JobRecord? LastPassedDrill { get; init; }
}

/// <summary>
/// The <c>jobs</c> table. A result is recorded once per job id: the first final result wins and any repeat (an
/// agent resending after a lost acknowledgement) changes nothing.
/// </summary>
internal sealed class JobStore(Database database, TimeProvider time, DomainEvents events) : Events.IHandles<JobChanged>
{
    internal const string Columns =
        "id, kind, repository_id AS RepositoryId, plan_id AS PlanId, agent_id AS AgentId, trigger, status, spec, created_at AS CreatedAt, " +
        "dispatched_at AS DispatchedAt, started_at AS StartedAt, finished_at AS FinishedAt, exit_code AS ExitCode, " +
        "error_class AS ErrorClass, error, snapshot_id AS SnapshotId, summary, subject_agent_id AS SubjectAgentId, hooks, dumps";

    private static readonly string[] UnfinishedStatuses = [JobStatuses.Queued, JobStatuses.Running];

    // What LastBackups answered, per (host, plan); null: no finished backup. A backup of the pair that finishes
    // (a result, or the server ending it) takes the pair out, so the next read asks the database again. The hosts page
    // reads every pair of the fleet on each load: from memory, except what changed since.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string AgentId, string PlanId), LastBackup?> _lastBackups = new();
    private readonly Lock _lastBackupsGate = new();
    private long _lastBackupsVersion;

    /// <summary>
    /// Queues <paramref name="job"/> (its spec kept without secrets) to run on <paramref name="agentId"/>, about the data of
    /// <paramref name="subjectAgentId"/> when that is another host (a drill restoring another host's snapshot).
    /// </summary>
    public void Enqueue(JobSpec job, string agentId, string? subjectAgentId = null)
    {
        using var connection = database.Open();
        connection.Execute($"""
            INSERT INTO jobs (id, kind, repository_id, plan_id, agent_id, trigger, status, spec, created_at, subject_agent_id)
            VALUES (@JobId, @Kind, @RepositoryId, @PlanId, @agentId, @Trigger, '{JobStatuses.Queued}', @spec, @now, @subject)
            """, new { job.JobId, job.Kind, job.RepositoryId, job.PlanId, agentId, job.Trigger,
                spec = StoredSpec(job), now = Now(), subject = subjectAgentId ?? agentId });
        events.Publish(new JobChanged(job.JobId, agentId));
    }

    public JobRecord? Find(string id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<JobRecord>($"SELECT {Columns} FROM jobs WHERE id = @id", new { id });
    }

    public IReadOnlyList<JobRecord> List(string? planId, string? agentId, string? repositoryId, string? status, int limit, string? kind = null) =>
        List(new JobFilter(planId, agentId, repositoryId, status, kind), 0, limit);

    /// <summary>Jobs matching <paramref name="filter"/>, newest first, <paramref name="limit"/> from <paramref name="offset"/>.</summary>
    public IReadOnlyList<JobRecord> List(JobFilter filter, int offset, int limit)
    {
        using var connection = database.Open();
        return connection.Query<JobRecord>($"""
            SELECT {Columns} FROM jobs WHERE {JobFilter.Where}
            ORDER BY created_at DESC, id LIMIT @limit OFFSET @offset
            """, filter.Parameters(new { offset, limit })).ToList();
    }

    public int Count(JobFilter filter)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<int>($"SELECT count(*) FROM jobs WHERE {JobFilter.Where}", filter.Parameters(null));
    }

    /// <summary>
    /// For each (host, plan) pair: the newest finished backup and when the newest successful one finished (the
    /// dashboard's protection column). A pair that never finished a backup is absent.
    /// </summary>
    public IReadOnlyDictionary<(string AgentId, string PlanId), LastBackup> LastBackups(IEnumerable<(string AgentId, string PlanId)> pairs)
    {
        var answer = new Dictionary<(string, string), LastBackup>();
        var missing = new List<(string AgentId, string PlanId)>();
        foreach (var pair in pairs.Distinct())
        {
            if (!_lastBackups.TryGetValue(pair, out var known))
            {
                missing.Add(pair);
            }
            else if (known is not null)
            {
                answer[pair] = known;
            }
        }

        if (missing.Count == 0)
        {
            return answer;
        }

        // Kept only if no backup finished while the database was read (a finish takes its pair out under the same lock).
        long version;
        lock (_lastBackupsGate)
        {
            version = _lastBackupsVersion;
        }

        var read = ReadLastBackups(missing);
        lock (_lastBackupsGate)
        {
            foreach (var pair in missing)
            {
                var last = read.GetValueOrDefault(pair);
                if (last is not null)
                {
                    answer[pair] = last;
                }

                if (version == _lastBackupsVersion)
                {
                    _lastBackups[pair] = last;
                }
            }
        }

        return answer;
    }

    /// <summary>A job ended on another replica: what LastBackups keeps may be stale there, so all of it is read again.</summary>
    public void Handle(JobChanged domainEvent)
    {
        if (!domainEvent.ProgressOnly && Events.DomainEvents.FromAnotherReplica)
        {
            lock (_lastBackupsGate)
            {
                _lastBackupsVersion++;
                _lastBackups.Clear();
            }
        }
    }

    /// <summary>A backup of the pair finished: what LastBackups keeps of it is stale.</summary>
    private void BackupFinished(string agentId, string planId)
    {
        lock (_lastBackupsGate)
        {
            _lastBackupsVersion++;
            _lastBackups.TryRemove((agentId, planId), out _);
        }
    }

    private Dictionary<(string AgentId, string PlanId), LastBackup> ReadLastBackups(IReadOnlyList<(string AgentId, string PlanId)> pairs)
    {
        // One query: for each asked pair, two seeks in jobs_by_agent_plan_finished_backup (the newest finished backup,
        // the newest successful one's time), not two round trips per pair and not a pass over the whole history.
        var newest = $"""
            SELECT {Columns}, LastSucceededAt, LatestDrillId, PassedDrillId FROM (
                SELECT j.*,
                       (SELECT s.finished_at FROM jobs s
                        WHERE s.agent_id = j.agent_id AND s.plan_id = j.plan_id AND s.kind = '{JobKinds.Backup}'
                          AND s.finished_at IS NOT NULL AND s.status = '{JobStatuses.Succeeded}'
                        ORDER BY s.finished_at DESC LIMIT 1) AS LastSucceededAt,
                       (SELECT d.id FROM jobs d
                        WHERE d.subject_agent_id = j.agent_id AND d.plan_id = j.plan_id AND d.kind = '{JobKinds.Drill}'
                          AND d.finished_at IS NOT NULL AND d.status IN ('{JobStatuses.Succeeded}', '{JobStatuses.Failed}')
                        ORDER BY d.finished_at DESC LIMIT 1) AS LatestDrillId,
                       (SELECT d.id FROM jobs d
                        WHERE d.subject_agent_id = j.agent_id AND d.plan_id = j.plan_id AND d.kind = '{JobKinds.Drill}'
                          AND d.finished_at IS NOT NULL AND d.status = '{JobStatuses.Succeeded}'
                        ORDER BY d.finished_at DESC LIMIT 1) AS PassedDrillId
                FROM {database.Sql.JsonElements("@pairs", "pair", text: false)}
                JOIN jobs j ON j.id = (
                    SELECT x.id FROM jobs x
                    WHERE x.agent_id = {database.Sql.JsonItem("pair.value", 0)} AND x.plan_id = {database.Sql.JsonItem("pair.value", 1)}
                      AND x.kind = '{JobKinds.Backup}' AND x.finished_at IS NOT NULL
                    ORDER BY x.finished_at DESC LIMIT 1)) AS newest
            """;
        var wanted = pairs.Select(p => new[] { p.AgentId, p.PlanId }).ToList();
        if (wanted.Count == 0)
        {
            return [];
        }

        using var connection = database.Open();
        // Dapper hands over null for the second part when all its columns are NULL.
        var rows = connection.Query<JobRecord, LatestIds?, (JobRecord Job, LatestIds Ids)>(newest, (job, ids) => (job, ids ?? new LatestIds()),
                new { pairs = JsonSerializer.Serialize(wanted, StoredJson.Default.ListStringArray) }, splitOn: "LastSucceededAt")
            .ToList();
        var drillIds = rows.SelectMany(r => new[] { r.Ids.LatestDrillId, r.Ids.PassedDrillId }).OfType<string>().Distinct().ToList();
        var drills = drillIds.Count == 0 ? new Dictionary<string, JobRecord>()
            : connection.Query<JobRecord>($"SELECT {Columns} FROM jobs WHERE {database.Sql.In("id", "@drillIds")}", new { drillIds }).ToDictionary(j => j.Id);
        return rows.ToDictionary(x => (x.Job.AgentId, x.Job.PlanId!), x => new LastBackup(x.Job, x.Ids.LastSucceededAt)
        {
            LatestDrill = x.Ids.LatestDrillId is { } latest ? drills.GetValueOrDefault(latest) : null,
            LastPassedDrill = x.Ids.PassedDrillId is { } passed ? drills.GetValueOrDefault(passed) : null,
        });
    }

    // Settable (not positional): Dapper maps computed columns that may all be NULL this way.
    private sealed class LatestIds
    {
        public string? LastSucceededAt { get; set; }

        public string? LatestDrillId { get; set; }

        public string? PassedDrillId { get; set; }
    }

    /// <summary>
    /// Each repository's newest finished check, prune and forget job (repository health for alerts): one query, an
    /// index seek per repository and kind (jobs_by_repository_kind_finished).
    /// </summary>
    public IReadOnlyList<JobRecord> NewestMaintenance()
    {
        using var connection = database.Open();
        return [.. connection.Query<JobRecord>($"""
            SELECT {Columns} FROM jobs WHERE id IN (
                SELECT (SELECT x.id FROM jobs x WHERE x.repository_id = r.id AND x.kind = k.kind AND x.finished_at IS NOT NULL
                        ORDER BY x.finished_at DESC LIMIT 1)
                FROM repositories r,
                     (SELECT '{JobKinds.Check}' AS kind UNION ALL SELECT '{JobKinds.Prune}' UNION ALL SELECT '{JobKinds.Forget}') k)
            """)];
    }

    /// <summary>Jobs of a repository that are queued or running, oldest first.</summary>
    public IReadOnlyList<JobRecord> Unfinished(string repositoryId)
    {
        using var connection = database.Open();
        return connection.Query<JobRecord>($"SELECT {Columns} FROM jobs WHERE repository_id = @repositoryId AND {database.Sql.In("status", "@UnfinishedStatuses")} ORDER BY created_at, id",
            new { repositoryId, UnfinishedStatuses }).ToList();
    }

    /// <summary>The snapshot of the newest successful backup of <paramref name="planId"/> on <paramref name="agentId"/> (null: none).</summary>
    public string? NewestSnapshot(string agentId, string planId)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<string?>($"""
            SELECT snapshot_id FROM jobs
            WHERE agent_id = @agentId AND plan_id = @planId AND kind = '{JobKinds.Backup}' AND finished_at IS NOT NULL
              AND status = '{JobStatuses.Succeeded}' AND snapshot_id IS NOT NULL
            ORDER BY finished_at DESC LIMIT 1
            """, new { agentId, planId });
    }

    public IReadOnlyList<string> RepositoriesWithQueuedJobs()
    {
        using var connection = database.Open();
        return connection.Query<string>($"SELECT DISTINCT repository_id FROM jobs WHERE status = '{JobStatuses.Queued}'").ToList();
    }

    /// <summary>What a queued job runs (null for a job the agent's own schedule started: the server never sends it).</summary>
    /// The job's identity comes from the row's columns, its one copy (rows written before the spec dropped it still carry one
    /// in the JSON, which is never read).
    public static JobSpec? Spec(JobRecord job) =>
        job.Spec is null ? null
        : JsonSerializer.Deserialize(job.Spec, StoredJson.Default.JobSpec) is { } spec
            ? spec with { JobId = job.Id, Kind = job.Kind, RepositoryId = job.RepositoryId, Trigger = job.Trigger, PlanId = job.PlanId }
            : null;

    /// <summary>The spec without its identity (id, kind, repository, trigger, plan), which the row's columns hold.</summary>
    private static string StoredSpec(JobSpec job) =>
        JsonSerializer.Serialize(job with { JobId = null!, Kind = null!, RepositoryId = null!, Trigger = null!, PlanId = null }, StoredJson.Default.JobSpec);

    public void MarkDispatched(JobRecord job)
    {
        using var connection = database.Open();
        connection.Execute($"UPDATE jobs SET status = '{JobStatuses.Running}', dispatched_at = @now WHERE id = @id AND status = '{JobStatuses.Queued}'",
            new { id = job.Id, now = Now() });
        events.Publish(new JobChanged(job.Id, job.AgentId));
    }

    public void Requeue(JobRecord job)
    {
        using var connection = database.Open();
        connection.Execute(
            $"UPDATE jobs SET status = '{JobStatuses.Queued}', dispatched_at = NULL WHERE id = @id AND status = '{JobStatuses.Running}' AND started_at IS NULL",
            new { id = job.Id });
        events.Publish(new JobChanged(job.Id, job.AgentId));
    }

    /// <summary>A job began: the server's (queued or dispatched) or one the agent's schedule started (new row).</summary>
    public void Started(string agentId, JobStarted started)
    {
        using var connection = database.Open();
        connection.Execute($"""
            INSERT INTO jobs (id, kind, repository_id, plan_id, agent_id, trigger, status, created_at, dispatched_at, started_at)
            VALUES (@JobId, @Kind, @RepositoryId, @PlanId, @agentId, @Trigger, '{JobStatuses.Running}', @at, @at, @at)
            ON CONFLICT (id) DO UPDATE SET status = '{JobStatuses.Running}', started_at = excluded.started_at
                WHERE jobs.agent_id = @agentId AND jobs.status IN ('{JobStatuses.Queued}', '{JobStatuses.Running}')
            """, new { started.JobId, started.Kind, started.RepositoryId, started.PlanId, agentId, started.Trigger, at = started.StartedAt });
        events.Publish(new JobChanged(started.JobId, agentId));
    }

    /// <summary>
    /// Records a final result once. Returns false when it was already recorded (or belongs to another agent). A job the
    /// server ended because its host was away (<c>host_away</c>) takes the host's real result when it comes.
    /// </summary>
    public bool RecordResult(string agentId, JobResult result)
    {
        using var connection = database.Open();
        var recorded = connection.Execute($"""
            INSERT INTO jobs (id, kind, repository_id, plan_id, agent_id, trigger, status, created_at, dispatched_at, started_at,
                              finished_at, exit_code, error_class, error, snapshot_id, summary, hooks, dumps)
            VALUES (@JobId, @Kind, @RepositoryId, @PlanId, @agentId, @Trigger, @Status, @startedAt, @startedAt, @startedAt,
                    @finishedAt, @ExitCode, @ErrorClass, @Error, @SnapshotId, @summary, @hooks, @dumps)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, started_at = coalesce(jobs.started_at, excluded.started_at),
                finished_at = excluded.finished_at, exit_code = excluded.exit_code, error_class = excluded.error_class,
                error = excluded.error, snapshot_id = excluded.snapshot_id, summary = excluded.summary, hooks = excluded.hooks,
                dumps = excluded.dumps
                WHERE jobs.agent_id = @agentId AND (jobs.finished_at IS NULL OR jobs.error_class = '{JobErrors.HostAway}')
            """, new
        {
            result.JobId, result.Kind, result.RepositoryId, result.PlanId, agentId, result.Trigger, result.Status,
            startedAt = result.StartedAt, finishedAt = result.FinishedAt, result.ExitCode,
            result.ErrorClass, result.Error, result.SnapshotId,
            summary = result.Backup is { } backup ? JsonSerializer.Serialize(backup, StoredJson.Default.BackupSummary)
                : result.Forget is { } forget ? JsonSerializer.Serialize(forget, StoredJson.Default.ForgetSummary)
                : result.Drill is { } drill && result.Kind == JobKinds.Drill ? JsonSerializer.Serialize(drill, StoredJson.Default.DrillSummary)
                : result.Copy is { } copy && result.Kind == JobKinds.Copy ? JsonSerializer.Serialize(copy, StoredJson.Default.CopySummary) : null,
            hooks = result.Hooks is { Count: > 0 } hooks ? JsonSerializer.Serialize([.. hooks], StoredJson.Default.ListHookRun) : null,
            dumps = result.Dumps is { Count: > 0 } dumps ? JsonSerializer.Serialize([.. dumps], StoredJson.Default.ListDumpResult) : null,
        }) > 0;
        if (recorded)
        {
            if (result.PlanId is not null)
            {
                BackupFinished(result.Kind == JobKinds.Drill && Find(result.JobId) is { } drillJob ? drillJob.Subject : agentId, result.PlanId);
            }

            events.Publish(new JobChanged(result.JobId, agentId));
            events.Publish(new JobRecorded(agentId, result));
        }

        return recorded;
    }

    /// <summary>Ends a job the server decided about (cancelled while queued, lost by its agent).</summary>
    public bool Finish(string id, string status, string errorClass, string error, IEnumerable<string> fromStatuses)
    {
        using var connection = database.Open();
        var finished = connection.Execute($"""
            UPDATE jobs SET status = @status, error_class = @errorClass, error = @error, finished_at = @now
            WHERE id = @id AND finished_at IS NULL AND {database.Sql.In("status", "@fromStatuses")}
            """, new { id, status, errorClass, error, now = Now(), fromStatuses = fromStatuses.ToArray() }) > 0;
        if (finished)
        {
            var job = Find(id)!;
            if (job.PlanId is { } planId)
            {
                BackupFinished(job.Subject, planId);
            }

            events.Publish(new JobChanged(id, job.AgentId));
            events.Publish(new JobFinishedByServer(id, job.AgentId, status));
        }

        return finished;
    }

    /// <summary>Every running job (a handful: one per busy host and repository).</summary>
    public IReadOnlyList<JobRecord> Running()
    {
        using var connection = database.Open();
        return connection.Query<JobRecord>($"SELECT {Columns} FROM jobs WHERE status = '{JobStatuses.Running}'").ToList();
    }

    /// <summary>Running jobs of an agent, sent to it before <paramref name="before"/>.</summary>
    public IReadOnlyList<string> RunningOn(string agentId, DateTimeOffset before)
    {
        using var connection = database.Open();
        return connection.Query<string>($"SELECT id FROM jobs WHERE agent_id = @agentId AND status = '{JobStatuses.Running}' AND dispatched_at < @before",
            new { agentId, before }).ToList();
    }

    public static (BackupSummary? Backup, ForgetSummary? Forget) Summary(JobRecord job) => job.Summary is null ? (null, null)
        : job.Kind == JobKinds.Backup ? (JsonSerializer.Deserialize(job.Summary, StoredJson.Default.BackupSummary), null)
        : job.Kind is JobKinds.Drill or JobKinds.Copy ? (null, null)
        : (null, JsonSerializer.Deserialize(job.Summary, StoredJson.Default.ForgetSummary));

    /// <summary>The hooks a job ran (and its dumps' commands), in order; empty when none.</summary>
    public static IReadOnlyList<HookRun> HooksOf(JobRecord job) =>
        job.Hooks is { } json ? JsonSerializer.Deserialize(json, StoredJson.Default.ListHookRun) ?? [] : [];

    /// <summary>A backup's database dumps, each with the snapshot it became; empty when none.</summary>
    public static IReadOnlyList<DumpResult> DumpsOf(JobRecord job) =>
        job.Dumps is { } json ? JsonSerializer.Deserialize(json, StoredJson.Default.ListDumpResult) ?? [] : [];

    /// <summary>What a copy copied (null for other kinds, and for a copy that failed).</summary>
    public static CopySummary? CopyOf(JobRecord job) =>
        job is { Kind: JobKinds.Copy, Summary: { } json } ? JsonSerializer.Deserialize(json, StoredJson.Default.CopySummary) : null;

    /// <summary>What a drill checked (null for other kinds, and for a drill that ended before its restore).</summary>
    public static DrillSummary? DrillOf(JobRecord job) =>
        job is { Kind: JobKinds.Drill, Summary: { } json } ? JsonSerializer.Deserialize(json, StoredJson.Default.DrillSummary) : null;

    private DateTimeOffset Now() => time.GetUtcNow();
}
