using RestikManager.Contracts.Protocol;
using RestikManager.Server.Plans;

namespace RestikManager.Server.Jobs;

/// <summary>A job to run, without secrets (the repository's are added when it is sent). Stored with a queued job.</summary>
internal sealed record JobRequest(
    string Kind, string RepositoryId, string AgentId, string Trigger, string? PlanId = null,
    IReadOnlyList<string>? Paths = null, IReadOnlyList<string>? Excludes = null, IReadOnlyList<string>? Tags = null,
    Retention? Retention = null, int? LimitUploadKiB = null, int? LimitDownloadKiB = null,
    string? SnapshotId = null, string? IncludePath = null, string? Target = null, bool ContentsOnly = false)
{
    public static JobRequest ForPlan(string kind, Plan plan, string agentId, string trigger) => new(
        kind, plan.RepositoryId, agentId, trigger, plan.Id, plan.Paths, plan.Excludes, plan.Tags, plan.Retention,
        plan.LimitUploadKiB, plan.LimitDownloadKiB);

    public JobSpec ToSpec(string jobId, RepositoryAccess repository) => new(
        jobId, Kind, repository, Trigger, PlanId, Paths, Excludes, Tags, Retention, LimitUploadKiB, LimitDownloadKiB,
        SnapshotId, IncludePath, Target, ContentsOnly: ContentsOnly);
}

/// <summary>A job as the API shows it.</summary>
internal sealed record JobView(
    string Id, string Kind, string Status, string RepositoryId, string? PlanId, string AgentId, string Trigger,
    string CreatedAt, string? StartedAt, string? FinishedAt, int? ExitCode, string? ErrorClass, string? Error,
    string? SnapshotId, BackupSummary? Backup, ForgetSummary? Forget, JobProgress? Progress);
