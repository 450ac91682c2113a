using System.Globalization;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Jobs;
using RestikManager.Server.Plans;

namespace RestikManager.Server.Protection;

/// <summary>How well a host is protected, worst first; the dashboard's verdict.</summary>
internal enum Verdict
{
    /// <summary>No enabled plan backs the host up.</summary>
    Unprotected,

    /// <summary>A plan's newest backup failed, was interrupted or cancelled, or a scheduled run was missed.</summary>
    Failing,

    /// <summary>A plan's newest backup left files out (the snapshot is incomplete).</summary>
    Partial,

    /// <summary>
    /// The plan requires its second copies and a copy target does not hold the newest successful snapshot yet (no copy
    /// there succeeded since that backup).
    /// </summary>
    NoCopy,

    /// <summary>
    /// The plan requires restore drills and none passed within its window (or the newest drill failed): the backups
    /// succeed, but nothing has shown lately that they come back.
    /// </summary>
    Unproven,

    /// <summary>A plan has not finished a backup yet, and none is overdue.</summary>
    Pending,

    /// <summary>Every plan's newest backup succeeded and none is overdue.</summary>
    Protected,
}

/// <summary>
/// One plan of a host: its newest finished backup there, the newest success, whether a run was missed, and the drills of
/// this host's snapshots (the newest, and the newest that passed).
/// </summary>
internal sealed record PlanProtection(Plan Plan, JobRecord? Latest, string? LastSucceededAt, bool Overdue)
{
    public JobRecord? LatestDrill { get; init; }

    public JobRecord? LastPassedDrill { get; init; }

    /// <summary>Whether every copy target holds the newest successful snapshot (null: the plan has no copy targets, or no success yet).</summary>
    public bool? CopiesCurrent { get; init; }

    /// <summary>When the verdict was taken (the drill window is counted back from it).</summary>
    public DateTimeOffset Now { get; init; } = DateTimeOffset.UtcNow;

    public Verdict Verdict => Overdue ? Verdict.Failing : Latest?.Status switch
    {
        null => Verdict.Pending,
        JobStatuses.Succeeded => Plan.RequireCopy && CopiesCurrent == false ? Verdict.NoCopy : Unproven ? Verdict.Unproven : Verdict.Protected,
        JobStatuses.Partial => Verdict.Partial,
        _ => Verdict.Failing,
    };

    /// <summary>The plan requires drills, and none passed within its window or the newest one failed.</summary>
    public bool Unproven => IsUnproven(Plan, LatestDrill, LastPassedDrill, Now);

    /// <summary>One rule for the verdict and the <c>unproven</c> alert.</summary>
    public static bool IsUnproven(Plan plan, JobRecord? latestDrill, JobRecord? lastPassedDrill, DateTimeOffset now) =>
        plan.RequireDrillWithinDays is { } days
        && (lastPassedDrill?.FinishedAt is not { } passed
            || DateTimeOffset.Parse(passed, CultureInfo.InvariantCulture) < now.AddDays(-days)
            || latestDrill is { Status: not JobStatuses.Succeeded });

    /// <summary>
    /// A run was missed when the schedule's second firing after the newest success (or, before any success, after the
    /// host or the plan's last change joined them) is already past: the first may still be running. An alert rule adds
    /// its <paramref name="grace"/> (the dashboard none): one rule for the dashboard's verdict and the
    /// <c>backup_overdue</c> alert.
    /// </summary>
    public static bool IsOverdue(Plan plan, AgentRecord agent, string? lastSucceededAt, DateTimeOffset now, TimeSpan grace = default)
    {
        // An on-demand plan (no schedule) is never overdue.
        if (plan.Schedule is not { } schedule)
        {
            return false;
        }

        var since = new[] { lastSucceededAt, plan.UpdatedAt, agent.EnrolledAt }.Where(t => t is not null)
            .Max(t => DateTimeOffset.Parse(t!, CultureInfo.InvariantCulture));
        return schedule.NextAfter(since) is { } first && schedule.NextAfter(first) is { } second && second + grace <= now;
    }
}

/// <summary>A host on the dashboard: what the hosts API says of it, and its protection under each enabled plan.</summary>
internal sealed record HostProtection(HostView Host, IReadOnlyList<PlanProtection> Plans)
{
    public Verdict Verdict => Plans.Count == 0 ? Verdict.Unprotected : Plans.Min(p => p.Verdict);

    /// <summary>The verdict as the hosts API gives it (lowercase names of <see cref="Protection.Verdict"/>).</summary>
    public HostVerdictView ToVerdictView() => new(Name(Verdict), [.. Plans.Select(p => new PlanVerdictView(
        p.Plan.Id, p.Plan.Name, Name(p.Verdict), p.Latest?.Status, p.Latest?.Id, p.Latest?.FinishedAt, p.LastSucceededAt, p.Overdue)
    {
        LastDrillStatus = p.LatestDrill?.Status,
        LastDrillJobId = p.LatestDrill?.Id,
        LastDrillPassedAt = p.LastPassedDrill?.FinishedAt,
        LastDrillSnapshotId = p.LastPassedDrill?.SnapshotId,
        CopiesCurrent = p.CopiesCurrent,
    })]);

    /// <summary>
    /// Whether each of <paramref name="plan"/>'s copy targets got a successful copy that started after the host's newest
    /// successful backup ended (so that snapshot was there to copy); null when there is nothing to say.
    /// </summary>
    public static bool? AreCopiesCurrent(Plan plan, string? lastSucceededAt, IReadOnlyDictionary<(string PlanId, string TargetId), LastCopy> copies)
    {
        if (plan.CopyTo.Count == 0 || lastSucceededAt is null)
        {
            return null;
        }

        var backedUp = DateTimeOffset.Parse(lastSucceededAt, CultureInfo.InvariantCulture);
        return plan.CopyTo.All(target => copies.GetValueOrDefault((plan.Id, target))?.LastSucceededStartedAt is { } started
            && DateTimeOffset.Parse(started, CultureInfo.InvariantCulture) >= backedUp);
    }

    private static string Name(Verdict verdict) => verdict == Verdict.NoCopy ? "no_copy" : verdict.ToString().ToLowerInvariant();
}
