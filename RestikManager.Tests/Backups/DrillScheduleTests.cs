using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Jobs;
using RestikManager.Tests.Agents;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Backups;

/// <summary>
/// A plan's drill schedule, on the server's clock: when it falls due, a drill of each host's newest successful snapshot is
/// queued on the plan's drill host, with the plan's sample; nothing when no host has a successful backup.
/// </summary>
public sealed class DrillScheduleTests : IDisposable
{
    // The maintenance loop is left asleep: the test turns the clock itself.
    private readonly ServerFactory _server = ServerFactory.OnKestrel(new() { ["Workers:MaintenanceEvery"] = "00:10:00" });

    [Fact]
    public async Task ADueDrillScheduleQueuesADrillOfEachHostsNewestSnapshotOnTheDrillHost()
    {
        using var admin = await Api.AdminAsync(_server);
        var (source, _) = await Api.EnrollAsync(_server, admin, "drill-source");
        var (restorer, credential) = await Api.EnrollAsync(_server, admin, "drill-restorer");
        using var socket = await AgentChannelTests.ConnectAsync(_server, credential);
        await AgentChannelTests.SendAsync(socket, AgentChannelTests.Hello);
        (await AgentChannelTests.ReceiveTextAsync(socket)).ShouldContain("\"type\":\"welcome\"");
        var repository = await BackupApi.CreateRepositoryAsync(admin, "drilled", "/srv/restic/drilled");
        var plan = await BackupApi.CreatePlanAsync(admin, new
        {
            name = "drilled", repositoryId = repository, hosts = new[] { "drill-source" }, paths = new[] { "/srv" },
            drillSchedule = "* * * * * ?", drillHost = "drill-restorer", drillFiles = 7, drillMaxBytes = 4096,
        });
        var scheduler = _server.Services.GetServices<IHostedService>().OfType<MaintenanceScheduler>().Single();
        var now = DateTimeOffset.UtcNow;

        // Due, but nothing to drill yet: no job.
        scheduler.RunDue(now);
        scheduler.RunDue(now.AddSeconds(2));
        (await BackupApi.JobsAsync(admin, "&kind=drill")).ShouldBeEmpty();

        var snapshot = new string('a', 64);
        _server.Services.GetRequiredService<JobStore>().RecordResult(source, new JobResult(
            "scheduledbackup000000000000000001", JobKinds.Backup, repository, JobTriggers.Schedule, plan, JobStatuses.Succeeded,
            now, now.AddSeconds(1), 0, SnapshotId: snapshot));
        scheduler.RunDue(now.AddSeconds(4));

        var drill = (await BackupApi.JobsAsync(admin, "&kind=drill")).Single();
        (drill.Str("agentId"), drill.Str("subjectAgentId"), drill.Str("trigger"), drill.Str("planId")).ShouldBe((restorer, source, "schedule", plan));
        var spec = JobStore.Spec(_server.Services.GetRequiredService<JobStore>().Find(drill.Str("id"))!)!;
        (spec.SnapshotId, spec.DrillFiles, spec.DrillMaxBytes).ShouldBe((snapshot, 7, 4096L));
    }

    public void Dispose() => _server.Dispose();
}
