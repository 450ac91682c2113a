namespace RestikManager.Contracts.Protocol;

/// <summary>The kinds of job an agent runs with restic.</summary>
public static class JobKinds
{
    public const string Backup = "backup";
    public const string Forget = "forget";
    public const string Prune = "prune";
    public const string Check = "check";
    public const string Restore = "restore";
    public const string Unlock = "unlock";
    public const string Init = "init";

    /// <summary>
    /// A restore drill: a sample of a snapshot's files restored into the agent's scratch directory and verified against
    /// the snapshot's recorded content, then removed.
    /// </summary>
    public const string Drill = "drill";

    /// <summary>
    /// A second copy: <c>restic copy</c> of a plan's snapshots from its repository into another (the job's repository),
    /// copying only what the target lacks.
    /// </summary>
    public const string Copy = "copy";

    public static readonly IReadOnlyList<string> All = [Backup, Forget, Prune, Check, Restore, Unlock, Init, Drill, Copy];

    /// <summary>
    /// Kinds that run alone on their repository: at most one of them per repository, and never beside a backup. restic
    /// takes its exclusive lock for all but <see cref="Copy"/>, which runs alone so that two copies into one target never
    /// copy the same snapshot twice.
    /// </summary>
    public static bool IsExclusive(string kind) => kind is Forget or Prune or Check or Unlock or Init or Copy;
}

/// <summary>How a job ended.</summary>
public static class JobStatuses
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";

    /// <summary>A backup that read only part of its sources (restic exit 3): the snapshot exists but is incomplete.</summary>
    public const string Partial = "partial";
    public const string Failed = "failed";
    public const string Interrupted = "interrupted";
    public const string Cancelled = "cancelled";

    public static bool IsFinal(string status) => status is Succeeded or Partial or Failed or Interrupted or Cancelled;
}

/// <summary>Why a job failed, as far as restic's output says.</summary>
public static class JobErrors
{
    public const string WrongPassword = "wrong_password";
    public const string RepositoryMissing = "repository_missing";
    public const string RepositoryExists = "repository_exists";
    public const string Locked = "locked";
    public const string SourceMissing = "source_missing";
    public const string PartialBackup = "partial_backup";
    public const string Interrupted = "interrupted";

    /// <summary>The server ended a running job whose host stayed away too long; the host's own result replaces it.</summary>
    public const string HostAway = "host_away";
    public const string ResticMissing = "restic_missing";
    public const string Failed = "failed";

    /// <summary>A drill's snapshot is not in the repository (forgotten, or never there).</summary>
    public const string SnapshotMissing = "snapshot_missing";

    /// <summary>A drill restored files that differ from the snapshot, or could not restore them (an unreadable pack).</summary>
    public const string DrillMismatch = "drill_mismatch";

    /// <summary>A plan named a hook or database source that this host's allowlist does not hold, or holds in an unsafe file.</summary>
    public const string HookNotAllowed = "hook_not_allowed";

    /// <summary>A <c>before</c> hook failed (so the backup did not run), or a restore command did.</summary>
    public const string HookFailed = "hook_failed";

    /// <summary>A database source's dump command failed: no snapshot of it is kept.</summary>
    public const string DumpFailed = "dump_failed";

    /// <summary>The plan asks for a file-system snapshot (Windows VSS), which this host's platform does not have.</summary>
    public const string FsSnapshotUnsupported = "fs_snapshot_unsupported";
}

/// <summary>
/// What an agent needs to open a repository: its URL and the environment restic reads its password and backend
/// credentials from. The environment holds secrets: it goes into restic's child environment and nowhere else.
/// </summary>
public sealed record RepositoryAccess(string Id, string Url, IReadOnlyDictionary<string, string> Environment);

/// <summary>A retention policy (restic forget's keep-* options); null fields are not passed.</summary>
public sealed record Retention(
    int? KeepLast = null, int? KeepHourly = null, int? KeepDaily = null, int? KeepWeekly = null,
    int? KeepMonthly = null, int? KeepYearly = null, string? KeepWithin = null)
{
    public bool IsEmpty => this == new Retention();
}

/// <summary>
/// One job to run: the server keeps it with a queued job and sends it in <see cref="RunJob"/> beside the repository's
/// <see cref="RepositoryAccess"/> (the secrets are added only then). Which fields matter depends on <see cref="Kind"/>.
/// A restore puts files under <see cref="Target"/> + their original path; with <see cref="ContentsOnly"/>, the
/// contents of <see cref="IncludePath"/> go straight into it. <see cref="Hostname"/> is the agent's own, set by it.
/// </summary>
public sealed record JobSpec(
    string JobId,
    string Kind,
    string RepositoryId,
    string Trigger,
    string? PlanId = null,
    IReadOnlyList<string>? Paths = null,
    IReadOnlyList<string>? Excludes = null,
    IReadOnlyList<string>? Tags = null,
    Retention? Retention = null,
    int? LimitUploadKiB = null,
    int? LimitDownloadKiB = null,
    string? SnapshotId = null,
    string? IncludePath = null,
    string? Target = null,
    string? Hostname = null,
    bool ContentsOnly = false,
    int? DrillFiles = null,
    long? DrillMaxBytes = null,
    string? ReadDataSubset = null,
    string? CopyFromRepositoryId = null,
    PlanHooks? Hooks = null,
    bool ContinueOnError = false,
    IReadOnlyList<string>? Databases = null,
    bool UseFsSnapshot = false,
    string? RestoreCommand = null) : IJobIdentity
{
    /// <summary>A drill's sample when the plan does not say: 50 files, at most 256 MiB.</summary>
    public const int DefaultDrillFiles = 50;

    public const long DefaultDrillMaxBytes = 256L * 1024 * 1024;

    /// <summary>
    /// A job of a plan (its backup, forget or check): a new id, the plan's repository, paths, tags and limits. The one
    /// builder for the server's jobs and the agent's scheduled backups, so that both send the same job.
    /// </summary>
    public static JobSpec OfPlan(
        string kind, string trigger, string repositoryId, string planId, IReadOnlyList<string> paths, IReadOnlyList<string> excludes,
        IReadOnlyList<string> tags, Retention? retention, int? limitUploadKiB, int? limitDownloadKiB) =>
        new(Guid.NewGuid().ToString("N"), kind, repositoryId, trigger, planId, paths, excludes, tags, retention, limitUploadKiB, limitDownloadKiB);

    /// <summary>A backup of <paramref name="plan"/> as the agent runs it: its paths, hooks and database sources.</summary>
    public static JobSpec BackupOf(AgentPlan plan, string trigger) =>
        OfPlan(JobKinds.Backup, trigger, plan.Repository.Id, plan.Id, plan.Paths, plan.Excludes, plan.Tags, null,
            plan.LimitUploadKiB, plan.LimitDownloadKiB) with
        {
            Hooks = plan.Hooks, ContinueOnError = plan.ContinueOnError, Databases = plan.Databases, UseFsSnapshot = plan.UseFsSnapshot,
        };
}

/// <summary>A plan as its agent runs it: the backup schedule keeps running while the server is away.</summary>
public sealed record AgentPlan(
    string Id,
    string Name,
    string Schedule,
    string TimeZone,
    RepositoryAccess Repository,
    IReadOnlyList<string> Paths,
    IReadOnlyList<string> Excludes,
    IReadOnlyList<string> Tags,
    int? LimitUploadKiB,
    int? LimitDownloadKiB,
    PlanHooks? Hooks = null,
    bool ContinueOnError = false,
    IReadOnlyList<string>? Databases = null,
    bool UseFsSnapshot = false);

/// <summary>Backup figures from restic's summary line.</summary>
public sealed record BackupSummary(
    long FilesNew, long FilesChanged, long FilesUnmodified, long DirsNew, long DirsChanged, long DirsUnmodified,
    long DataAdded, long TotalFilesProcessed, long TotalBytesProcessed, double TotalDuration, long ErrorCount);

/// <summary>What a drill checked: the snapshot, the files and bytes restored, and each file that did not come back intact.</summary>
public sealed record DrillSummary(string SnapshotId, int Files, long Bytes, IReadOnlyList<DrillMismatch> Mismatches);

/// <summary>
/// A repository's size as restic reports it: <see cref="TotalSize"/>, what all its snapshots hold when restored
/// (<c>stats --mode restore-size</c>); <see cref="RawSize"/>, what the repository stores after deduplication and
/// compression (<c>--mode raw-data</c>); restic's compression ratio where the repository format has one (v2).
/// </summary>
public sealed record RepositoryStats(long TotalSize, long RawSize, double? CompressionRatio, int SnapshotCount);

/// <summary>What a copy did: snapshots it copied, and snapshots the target held already.</summary>
public sealed record CopySummary(int Copied, int AlreadyThere);

/// <summary>A file of a drill's sample that did not restore as the snapshot recorded it, and what differed.</summary>
public sealed record DrillMismatch(string Path, string Problem);

/// <summary>What forget kept and removed.</summary>
public sealed record ForgetSummary(int Kept, int Removed, IReadOnlyList<string> RemovedIds);

/// <summary>A snapshot as restic lists it.</summary>
public sealed record SnapshotInfo(
    string Id, string ShortId, DateTimeOffset Time, string Hostname, IReadOnlyList<string> Paths,
    IReadOnlyList<string>? Tags, string? Parent);

/// <summary>One entry of a directory in a snapshot.</summary>
public sealed record TreeEntry(string Name, string Type, string Path, long? Size, DateTimeOffset? Mtime, string? Permissions);

/// <summary>Tags restic-manager puts on snapshots.</summary>
public static class SnapshotTags
{
    /// <summary>Every backup of a plan is tagged <c>rm-plan:&lt;id&gt;</c>, so the plan's forget touches only its own snapshots.</summary>
    public const string PlanPrefix = "rm-plan:";

    public static string ForPlan(string planId) => PlanPrefix + planId;

    /// <summary>The plan a snapshot was made by, read from its tags; null when none says.</summary>
    public static string? PlanOf(IEnumerable<string>? tags) =>
        tags?.FirstOrDefault(t => t.StartsWith(PlanPrefix, StringComparison.Ordinal))?[PlanPrefix.Length..];
}

/// <summary>The kinds of <see cref="Query"/>.</summary>
public static class QueryKinds
{
    public const string Snapshots = "snapshots";
    public const string Ls = "ls";

    /// <summary>The repository's size: <c>restic stats --mode raw-data</c> and <c>--mode restore-size</c>.</summary>
    public const string Stats = "stats";
}
