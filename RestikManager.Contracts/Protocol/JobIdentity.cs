namespace RestikManager.Contracts.Protocol;

/// <summary>
/// What makes a job the job it is: its id, kind, repository, trigger and plan. <see cref="JobSpec"/>,
/// <see cref="JobStarted"/> and <see cref="JobResult"/> each carry these as their own fields, so that their JSON stays
/// flat as agents of every version read it; code that compares or copies a job's identity goes through this.
/// </summary>
public interface IJobIdentity
{
    string JobId { get; }

    string Kind { get; }

    string RepositoryId { get; }

    string Trigger { get; }

    string? PlanId { get; }
}

public static class JobIdentities
{
    /// <summary>Whether <paramref name="claim"/> is the same work as <paramref name="job"/>: kind, repository and plan (the trigger says how it started, not what it is).</summary>
    public static bool IsSameWorkAs(this IJobIdentity claim, IJobIdentity job)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(job);
        return claim.Kind == job.Kind && claim.RepositoryId == job.RepositoryId && claim.PlanId == job.PlanId;
    }
}
