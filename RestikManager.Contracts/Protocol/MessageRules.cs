namespace RestikManager.Contracts.Protocol;

/// <summary>Who or what started a job.</summary>
public static class JobTriggers
{
    /// <summary>An operator (or the API) asked for it; the server created and sent it.</summary>
    public const string Manual = "manual";

    /// <summary>A schedule: the server's (forget, check) or the agent's own (a plan's backups).</summary>
    public const string Schedule = "schedule";

    public static bool IsKnown(string? trigger) => trigger is Manual or Schedule;
}

/// <summary>
/// What makes an agent message well formed beyond its JSON shape: ids of the right shape, known kinds, statuses and
/// triggers, no null inside a list, bounded text. The server checks every message with <see cref="Problem"/> before
/// anything reads it; a message with a problem closes the connection (1007) and changes nothing. Fields are read as
/// possibly null whatever their declared type, since a missing JSON property leaves them so.
/// </summary>
public static class MessageRules
{
    /// <summary>Most job ids one <see cref="ActiveJobs"/> may list.</summary>
    public const int MaxActiveJobs = 10_000;

    /// <summary>Why <paramref name="message"/> is malformed, or null when it is well formed.</summary>
    public static string? Problem(AgentMessage message) => message switch
    {
        JobStarted s => Job(s.JobId, s.Kind, s.RepositoryId, s.Trigger, s.PlanId),
        JobProgress p => !WireValues.IsId(p.JobId) ? "bad job id" : null,
        JobResult r => Job(r.JobId, r.Kind, r.RepositoryId, r.Trigger, r.PlanId) ?? Result(r),
        ActiveJobs a => a.JobIds is null || a.JobIds.Count > MaxActiveJobs || !a.JobIds.All(WireValues.IsId) ? "bad job ids" : null,
        QueryReply q => Reply(q),
        Hello h => h.Allowlist is { } list && !IsAllowlist(list) ? "bad allowlist" : null,
        UpdateFailed f => f.Failure is not { Version.Length: > 0 and <= 64, Reason.Length: > 0 and <= 2000 } ? "bad update failure" : null,
        _ => null,
    };

    private static string? Job(string? jobId, string? kind, string? repositoryId, string? trigger, string? planId) =>
        !WireValues.IsId(jobId) ? "bad job id"
        : kind is null || !JobKinds.All.Contains(kind) ? "unknown job kind"
        : !WireValues.IsId(repositoryId) ? "bad repository id"
        : !JobTriggers.IsKnown(trigger) ? "unknown trigger"
        : planId is not null && !WireValues.IsId(planId) ? "bad plan id"
        : null;

    private static string? Result(JobResult r) =>
        r.Status is null || !JobStatuses.IsFinal(r.Status) ? "not a final status"
        : r.SnapshotId is not null && !WireValues.IsSnapshotId(r.SnapshotId) ? "bad snapshot id"
        : r.ErrorClass is { Length: > 64 } ? "error class too long"
        : r.Forget is { } forget && (forget.RemovedIds is null || !forget.RemovedIds.All(WireValues.IsSnapshotId)) ? "bad removed snapshot ids"
        : r.Drill is { } drill && !IsDrill(drill) ? "bad drill summary"
        : r.Copy is { Copied: < 0 } or { AlreadyThere: < 0 } ? "bad copy summary"
        : r.Hooks is { } hooks && (hooks.Count > MaxHookRuns || !hooks.All(IsHookRun)) ? "bad hook runs"
        : r.Dumps is { } dumps && (dumps.Count > MaxHookRuns || !dumps.All(IsDump)) ? "bad dumps"
        : null;

    /// <summary>The most hook runs (or dumps) one result carries, and the most entries one allowlist reports.</summary>
    public const int MaxHookRuns = 200;

    public const int MaxAllowlist = 1000;

    /// <summary>The most characters of a hook's output a result carries (its tail).</summary>
    public const int MaxOutputTail = 4000;

    private static bool IsHookRun(HookRun? h) =>
        h is not null && WireValues.IsAllowName(h.Name) && h.Phase is HookPhases.Before or HookPhases.After or HookPhases.OnFailure
            or HookPhases.Finally or HookPhases.Restore or HookPhases.Dump
        && h.DurationMs >= 0 && h.OutputTail is null or { Length: <= MaxOutputTail + 100 };

    private static bool IsDump(DumpResult? d) =>
        d is { Filename.Length: > 0 and <= 255 } && WireValues.IsAllowName(d.Name) && d.Bytes >= 0
        && (d.SnapshotId is null || WireValues.IsSnapshotId(d.SnapshotId));

    private static bool IsAllowlist(IReadOnlyList<AllowedEntry> list) =>
        list.Count <= MaxAllowlist && list.All(e => e is not null && WireValues.IsAllowName(e.Name) && e.Kind is not null
            && AllowlistKinds.All.Contains(e.Kind) && e.Problem is null or { Length: <= 1000 });

    /// <summary>The most mismatches a drill reports (the sample is at most <see cref="MaxDrillFiles"/> files).</summary>
    public const int MaxDrillFiles = 1000;

    private static bool IsDrill(DrillSummary d) =>
        WireValues.IsSnapshotId(d.SnapshotId) && d.Files is >= 0 and <= MaxDrillFiles && d.Bytes >= 0
        && d.Mismatches is { Count: <= MaxDrillFiles } mismatches
        && mismatches.All(m => m is { Path.Length: > 0 and <= 4096, Problem.Length: > 0 and <= 1000 });

    private static string? Reply(QueryReply q) =>
        !WireValues.IsId(q.QueryId) ? "bad query id"
        : q.Snapshots is not null && !q.Snapshots.All(IsSnapshot) ? "bad snapshot in the answer"
        : q.Entries is not null && !q.Entries.All(IsEntry) ? "bad entry in the answer"
        : q.ErrorClass is { Length: > 64 } ? "error class too long"
        : q.Stats is { TotalSize: < 0 } or { RawSize: < 0 } or { SnapshotCount: < 0 } or { CompressionRatio: < 0 } ? "bad repository stats"
        : null;

    private static bool IsSnapshot(SnapshotInfo? s) =>
        s is not null && WireValues.IsSnapshotId(s.Id) && WireValues.IsSnapshotId(s.ShortId) && s.Hostname is not null
        && s.Paths is not null && !s.Paths.Contains(null!) && (s.Tags is null || !s.Tags.Contains(null!))
        && (s.Parent is null || WireValues.IsSnapshotId(s.Parent));

    private static bool IsEntry(TreeEntry? e) => e is { Name: not null, Type: not null, Path: not null };
}
