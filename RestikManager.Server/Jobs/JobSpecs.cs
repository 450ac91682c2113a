using RestikManager.Contracts.Protocol;
using RestikManager.Server.Plans;

namespace RestikManager.Server.Jobs;

/// <summary>New jobs, as the wire's <see cref="JobSpec"/>: what the server keeps with a queued job and sends to run it.</summary>
internal static class JobSpecs
{
    /// <summary>A job of <paramref name="plan"/>: its repository, paths, tags, retention and limits.</summary>
    public static JobSpec ForPlan(string kind, Plan plan, string trigger)
    {
        var job = JobSpec.OfPlan(
            kind, trigger, plan.RepositoryId, plan.Id, plan.Paths, plan.Excludes, plan.Tags, plan.Retention, plan.LimitUploadKiB, plan.LimitDownloadKiB);
        return kind switch
        {
            JobKinds.Check => job with { ReadDataSubset = plan.CheckReadData },
            JobKinds.Backup => job with
            {
                Hooks = plan.Hooks.IsEmpty ? null : plan.Hooks, ContinueOnError = plan.ContinueOnError,
                Databases = plan.Databases.Count > 0 ? plan.Databases : null, UseFsSnapshot = plan.UseFsSnapshot,
            },
            _ => job,
        };
    }

    /// <summary>A copy of <paramref name="plan"/>'s snapshots into <paramref name="targetId"/> (the job's repository).</summary>
    public static JobSpec Copy(Plan plan, string targetId, string trigger) =>
        new(NewId(), JobKinds.Copy, targetId, trigger, plan.Id, LimitUploadKiB: plan.LimitUploadKiB, LimitDownloadKiB: plan.LimitDownloadKiB,
            CopyFromRepositoryId: plan.RepositoryId);

    /// <summary>A drill of <paramref name="plan"/>: restore a sample of <paramref name="snapshotId"/> and verify it.</summary>
    public static JobSpec Drill(Plan plan, string snapshotId, string trigger) =>
        new(NewId(), JobKinds.Drill, plan.RepositoryId, trigger, plan.Id, SnapshotId: snapshotId, LimitDownloadKiB: plan.LimitDownloadKiB,
            DrillFiles: plan.DrillFiles, DrillMaxBytes: plan.DrillMaxBytes);

    /// <summary>A job on a repository alone (unlock, init, or a check or prune not tied to a plan).</summary>
    public static JobSpec ForRepository(string kind, string repositoryId, string trigger) => new(NewId(), kind, repositoryId, trigger);

    private static string NewId() => Guid.NewGuid().ToString("N");
}
