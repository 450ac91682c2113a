using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Alerts;
using RestikManager.Server.Jobs;
using RestikManager.Server.Plans;

namespace RestikManager.Tests.Alerts;

/// <summary>
/// The events the process tests do not reach (a partial backup, a failed check or prune, an outdated agent), through the
/// evaluation's pure rule: each holds while its cause is the newest word and clears with the next good one.
/// </summary>
public sealed class AlertConditionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private static readonly AgentRecord Web1 = new("agent-1", "web1", null, "2026-12-01T00:00:00Z", null, null, "1.0.0", null, "linux", "amd64", "0.14.0");
    private static readonly Plan Etc = new("plan-1", "etc", "repo-1", ["agent-1"], [], ["/etc"], [], [], null, "UTC", new Retention(), null, null,
        null, null, Enabled: true, "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z");

    [Fact]
    public void APartialBackupFiresUntilTheNextBackupIsWhole()
    {
        var rule = Rule(AlertEvents.BackupPartial, AlertEvents.BackupFailed);

        var partial = Found(State(rule, lastBackup: Job("backup", JobStatuses.Partial, "job-1")));
        var condition = partial.ShouldHaveSingleItem();
        (condition.Event, condition.Subject, condition.Job!.Id).ShouldBe((AlertEvents.BackupPartial, "plan:plan-1/host:agent-1", "job-1"));
        condition.Message.ShouldContain("left files out");
        condition.Message.ShouldContain("'etc' on host 'web1'");

        Found(State(rule, lastBackup: Job("backup", JobStatuses.Succeeded, "job-2"))).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("check", AlertEvents.CheckFailed)]
    [InlineData("prune", AlertEvents.PruneFailed)]
    [InlineData("forget", AlertEvents.PruneFailed)]
    public void AFailedRepositoryJobFiresUntilTheNextOneSucceeds(string kind, string expected)
    {
        var rule = Rule(AlertEvents.CheckFailed, AlertEvents.PruneFailed);
        var failed = Job(kind, JobStatuses.Failed, "job-9") with { ErrorClass = "repository_locked", Error = "repository is already locked\nmore" };

        var condition = Found(State(rule, health: Health(kind, failed))).ShouldHaveSingleItem();
        (condition.Event, condition.Subject, condition.Agent?.Hostname).ShouldBe((expected, "repository:repo-1", "web1"));
        condition.Message.ShouldBe($"The {kind} of repository 'main' on host 'web1' failed (repository_locked): repository is already locked");

        Found(State(rule, health: Health(kind, Job(kind, JobStatuses.Succeeded, "job-10")))).ShouldBeEmpty();
        Found(State(Rule(AlertEvents.BackupFailed), health: Health(kind, failed))).ShouldBeEmpty("a rule without the event is not told");
    }

    [Fact]
    public void AnAgentOtherThanTheServedOneIsOutdatedOnlyWhereTheServerServesOne()
    {
        var rule = Rule(AlertEvents.AgentOutdated);

        var condition = Found(State(rule, served: "1.1.0")).ShouldHaveSingleItem();
        (condition.Event, condition.Subject).ShouldBe((AlertEvents.AgentOutdated, "host:agent-1"));
        condition.Message.ShouldBe("Host 'web1' runs agent 1.0.0; this server serves 1.1.0 for linux/amd64.");

        Found(State(rule, served: "1.0.0")).ShouldBeEmpty("the same version");
        Found(State(rule, served: null)).ShouldBeEmpty("nothing served for its platform");
    }

    private static AlertRule Rule(params string[] events) =>
        new("rule-1", "all", events, [], [], [], ["channel-1"], 15, 0, 0, Enabled: true, "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z");

    private static JobRecord Job(string kind, string status, string id) =>
        new(id, kind, "repo-1", kind == "backup" ? "plan-1" : null, "agent-1", "manual", status, null,
            "2026-12-04T11:00:00Z", null, "2026-12-04T11:00:01Z", "2026-12-04T11:05:00Z", null, null, null, null, null);

    private static RepositoryHealth Health(string kind, JobRecord job) =>
        kind == "check" ? new("repo-1", "main", job, null) : new("repo-1", "main", null, job);

    private static FleetState State(AlertRule rule, JobRecord? lastBackup = null, RepositoryHealth? health = null, string? served = null) =>
        new([rule], [new WatchedHost(Web1, Online: true, Now)], [Etc],
            lastBackup is null ? new Dictionary<(string, string), LastBackup>() : new() { [("agent-1", "plan-1")] = new LastBackup(lastBackup, "2026-12-04T10:00:00Z") },
            health is null ? [] : [health], WatchingSince: Now.AddHours(-1), Now, (_, _) => served);

    private static IReadOnlyList<Condition> Found(FleetState state) => AlertConditions.Evaluate(state).Found;
}
