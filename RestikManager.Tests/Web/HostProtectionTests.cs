using RestikManager.Contracts.Protocol;
using RestikManager.Contracts.Schedules;
using RestikManager.Server.Agents;
using RestikManager.Server.Jobs;
using RestikManager.Server.Plans;
using RestikManager.Server.Protection;

namespace RestikManager.Tests.Web;

/// <summary>The dashboard's protection verdict: what counts as protected, partial, failing, overdue.</summary>
public sealed class HostProtectionTests
{
    // Hourly at minute 0; the plan was last changed and the host enrolled well before the times below.
    private static readonly Plan Hourly = new("p1", "hourly", "r1", ["a1"], [], ["/data"], [], [], Cron("0 0 * * * ?"), "UTC",
        new Retention(), null, null, null, null, Enabled: true, "2026-11-01T00:00:00.0000000+00:00", "2026-11-01T00:00:00.0000000+00:00");

    private static CronSchedule Cron(string expression) =>
        CronSchedule.TryParse(expression, "UTC", out var schedule, out var error, out _) ? schedule! : throw new ArgumentException(error);

    private static readonly AgentRecord Agent = new("a1", "web1", null, "2026-11-01T00:00:00.0000000+00:00", null, null, null, null, null, null, null);

    [Theory]
    [InlineData("2026-11-22T09:00:05Z", "2026-11-22T09:30:00Z", false)] // next run at 10:00 has not come yet
    [InlineData("2026-11-22T09:00:05Z", "2026-11-22T10:30:00Z", false)] // the 10:00 run may still be going
    [InlineData("2026-11-22T09:00:05Z", "2026-11-22T11:00:00Z", true)] // 10:00 and 11:00 came, no success since 09:00
    [InlineData(null, "2026-11-01T01:30:00Z", false)] // never succeeded, but the plan is only 1.5 h old
    [InlineData(null, "2026-11-01T02:00:00Z", true)]
    public void OverdueMeansASecondScheduledRunCameWithoutASuccess(string? lastSucceeded, string now, bool overdue) =>
        PlanProtection.IsOverdue(Hourly, Agent, Stamp(lastSucceeded), DateTimeOffset.Parse(now)).ShouldBe(overdue);

    [Fact]
    public void ARecentPlanChangeRestartsTheClock()
    {
        var changed = Hourly with { UpdatedAt = "2026-11-22T10:50:00.0000000+00:00" };
        PlanProtection.IsOverdue(changed, Agent, Stamp("2026-11-20T09:00:05Z"), DateTimeOffset.Parse("2026-11-22T11:30:00Z")).ShouldBeFalse();
    }

    [Theory]
    [InlineData(JobStatuses.Succeeded, false, "Protected")]
    [InlineData(JobStatuses.Partial, false, "Partial")]
    [InlineData(JobStatuses.Failed, false, "Failing")]
    [InlineData(JobStatuses.Interrupted, false, "Failing")]
    [InlineData(JobStatuses.Cancelled, false, "Failing")]
    [InlineData(JobStatuses.Succeeded, true, "Failing")]
    [InlineData(null, false, "Pending")]
    public void APlansVerdictFollowsItsNewestBackup(string? status, bool overdue, string verdict) =>
        new PlanProtection(Hourly, status is null ? null : Job(status), null, overdue).Verdict.ShouldBe(Enum.Parse<Verdict>(verdict));

    [Fact]
    public void AHostIsAsProtectedAsItsWorstPlanAndUnprotectedWithoutOne()
    {
        var host = new HostView("a1", "web1", null, "online", null, "", false, null, null, null, null, null, false);
        new HostProtection(host, []).Verdict.ShouldBe(Verdict.Unprotected);
        new HostProtection(host, [new(Hourly, Job(JobStatuses.Succeeded), null, false)]).Verdict.ShouldBe(Verdict.Protected);
        new HostProtection(host, [new(Hourly, Job(JobStatuses.Succeeded), null, false), new(Hourly, Job(JobStatuses.Partial), null, false)])
            .Verdict.ShouldBe(Verdict.Partial);
        new HostProtection(host, [new(Hourly, null, null, false), new(Hourly, Job(JobStatuses.Failed), null, false)])
            .Verdict.ShouldBe(Verdict.Failing);
    }

    [Theory]
    [InlineData(null, null, false, "Protected")]          // drills not required: the backup decides
    [InlineData(7, null, null, "Unproven")]               // required, never drilled
    [InlineData(7, "2026-11-20T00:00:00Z", true, "Protected")]
    [InlineData(7, "2026-11-10T00:00:00Z", true, "Unproven")]   // the last pass is older than the window
    [InlineData(7, "2026-11-20T00:00:00Z", false, "Unproven")]  // a pass in the window, but the newest drill failed
    public void ARequiredDrillMustHavePassedWithinItsWindow(int? days, string? passedAt, bool? newestPassed, string verdict)
    {
        var plan = Hourly with { RequireDrillWithinDays = days };
        var passed = passedAt is null ? null : Job(JobStatuses.Succeeded) with { Kind = JobKinds.Drill, FinishedAt = passedAt };
        var newest = newestPassed is null ? passed : newestPassed.Value ? passed : Job(JobStatuses.Failed) with { Kind = JobKinds.Drill };
        new PlanProtection(plan, Job(JobStatuses.Succeeded), null, false)
        {
            LatestDrill = newest, LastPassedDrill = passed, Now = DateTimeOffset.Parse("2026-11-22T12:00:00Z"),
        }.Verdict.ShouldBe(Enum.Parse<Verdict>(verdict));
    }

    private static string? Stamp(string? time) => time is null ? null : DateTimeOffset.Parse(time).ToString("O");

    private static JobRecord Job(string status) => new("j1", JobKinds.Backup, "r1", "p1", "a1", "schedule", status, null,
        "2026-11-22T09:00:00Z", null, null, "2026-11-22T09:00:05Z", 0, null, null, null, null);
}
