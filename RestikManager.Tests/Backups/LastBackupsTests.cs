using Dapper;
using Microsoft.Extensions.DependencyInjection;
using RestikManager.Server.Data;
using RestikManager.Server.Jobs;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Backups;

/// <summary>What the dashboard's verdicts read: per host and plan, the newest finished backup and the newest success.</summary>
public sealed class LastBackupsTests : IDisposable
{
    private readonly ServerFactory _server = new();

    [Fact]
    public void EachPairGetsItsNewestFinishedBackupAndItsNewestSuccessFromOneQuery()
    {
        var services = _server.Services;
        using (var connection = services.GetRequiredService<Database>().Open())
        {
            foreach (var (id, agent, plan, kind, status, finished) in new (string, string, string?, string, string, string?)[]
            {
                ("j1", "a1", "p1", "backup", "succeeded", "2026-12-01T01:00:00Z"),
                ("j2", "a1", "p1", "backup", "failed", "2026-12-01T02:00:00Z"),      // newest of a1/p1: failed after a success
                ("j3", "a1", "p1", "backup", "running", null),                       // not finished: not the newest
                ("j4", "a1", "p1", "forget", "succeeded", "2026-12-01T03:00:00Z"),   // not a backup
                ("j5", "a2", "p1", "backup", "failed", "2026-12-01T01:00:00Z"),      // a2/p1: never succeeded
                ("j6", "a1", "p2", "backup", "succeeded", "2026-12-01T00:30:00Z"),
                ("j7", "a1", "p2", "backup", "succeeded", "2026-12-01T00:45:00Z"),   // newest of a1/p2
                ("j8", "a3", "p1", "backup", "succeeded", "2026-12-01T00:10:00Z"),   // a pair nobody asks for
                ("j9", "a1", null, "backup", "succeeded", "2026-12-01T05:00:00Z"),   // no plan
            })
            {
                connection.Execute(
                    "INSERT INTO jobs (id, kind, repository_id, plan_id, agent_id, trigger, status, created_at, finished_at) " +
                    "VALUES (@id, @kind, 'r1', @plan, @agent, 'schedule', @status, '2026-12-01T00:00:00Z', @finished)",
                    new { id, kind, plan, agent, status, finished });
            }
        }

        var last = services.GetRequiredService<JobStore>().LastBackups([("a1", "p1"), ("a2", "p1"), ("a1", "p2"), ("a4", "p1")]);

        last.Keys.ShouldBe([("a1", "p1"), ("a2", "p1"), ("a1", "p2")], ignoreOrder: true);
        last[("a1", "p1")].Latest.Id.ShouldBe("j2");
        last[("a1", "p1")].LastSucceededAt.ShouldBe("2026-12-01T01:00:00Z");
        last[("a2", "p1")].Latest.Id.ShouldBe("j5");
        last[("a2", "p1")].LastSucceededAt.ShouldBeNull();
        last[("a1", "p2")].Latest.Id.ShouldBe("j7");
        last[("a1", "p2")].LastSucceededAt.ShouldBe("2026-12-01T00:45:00Z");
        services.GetRequiredService<JobStore>().LastBackups([]).ShouldBeEmpty();
    }

    [Fact]
    public void AnswersAreKeptUntilABackupOfThePairFinishes()
    {
        var jobs = _server.Services.GetRequiredService<JobStore>();
        jobs.LastBackups([("a1", "p1")]).ShouldBeEmpty();
        var at = DateTimeOffset.Parse("2026-12-01T01:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

        // Each finish reaches the next read: a result from the agent, then a job the server ends.
        jobs.RecordResult("a1", new RestikManager.Contracts.Protocol.JobResult("j1", "backup", "r1", "schedule", "p1", "succeeded", at, at.AddMinutes(1), 0));
        jobs.LastBackups([("a1", "p1")])[("a1", "p1")].Latest.Id.ShouldBe("j1");
        jobs.Started("a1", new RestikManager.Contracts.Protocol.JobStarted("j2", "backup", "r1", "schedule", "p1", at.AddHours(1)));
        jobs.LastBackups([("a1", "p1")])[("a1", "p1")].Latest.Id.ShouldBe("j1", "a running backup is not the newest finished one");
        jobs.Finish("j2", "interrupted", "host_away", "away", ["running"]).ShouldBeTrue();
        var last = jobs.LastBackups([("a1", "p1"), ("a2", "p1")]);
        last[("a1", "p1")].Latest.Id.ShouldBe("j2");
        last[("a1", "p1")].LastSucceededAt.ShouldNotBeNull();
        last.ContainsKey(("a2", "p1")).ShouldBeFalse();
    }

    public void Dispose() => _server.Dispose();
}
