using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using RestikManager.Server.Workers;
using RestikManager.Server.Snapshots;
using RestikManager.Tests.Alerts;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Workers;

/// <summary>
/// No background loop stops the server: a fault injected into the first iteration of every worker (through the test
/// seam, not a setting of the product) is logged, counted in <c>restic_manager_background_faults_total{worker}</c>, and the
/// next iteration does its work: an incident is still found and delivered, and each periodic worker says it works again.
/// </summary>
public sealed class WorkerFaultTests
{
    /// <summary>Throws once, in the first iteration of each worker.</summary>
    private sealed class FirstIterationFails : IWorkerFaultSeam
    {
        private readonly ConcurrentDictionary<string, bool> _failed = new(StringComparer.Ordinal);

        public void BeforeIteration(string worker)
        {
            if (_failed.TryAdd(worker, true))
            {
                throw new InvalidOperationException($"a fault injected into {worker}");
            }
        }
    }

    [Fact]
    public async Task AFaultInOneIterationOfEachWorkerLeavesTheServerRunningAndTheNextIterationWorking()
    {
        await using var receiver = await HttpReceiver.StartAsync();
        var settings = DeliveryFaultTests.Fast();
        settings["Updates:EvaluateEvery"] = "00:00:00.500";
        settings["Workers:MaintenanceEvery"] = "00:00:00.500";
        settings["Workers:LastSeenEvery"] = "00:00:00.500";
        using var server = new ServerFactory(settings) { Replace = s => s.AddSingleton<IWorkerFaultSeam, FirstIterationFails>() };
        using var admin = await Api.AdminAsync(server);
        var channel = await AlertDeliveryTests.ChannelAsync(admin, new { name = "hook", kind = "webhook", url = receiver.Url + "/hook" });
        await AlertDeliveryTests.RuleAsync(admin, new { name = "offline", events = new[] { "host_offline" }, offlineAfterMinutes = 0, channels = new[] { channel } });
        var (agentId, _) = await Api.EnrollAsync(server, admin, "web5");

        // The evaluator and the outbox each lost their first round, and the incident still reaches the receiver.
        var message = await receiver.WaitForAsync(_ => true, 1, TimeSpan.FromSeconds(20), "the message after the evaluator's and outbox's faults");
        message[0].Json.GetProperty("host").Str("id").ShouldBe(agentId);

        // A refresh of snapshots in the background: the first faults, the second runs (no host is online: its answer is an error, not a fault).
        var snapshots = server.Services.GetRequiredService<SnapshotService>();
        snapshots.RefreshLater("no-such-repository", agentId);
        await Eventually.TrueAsync(() => server.Logs.All.Contains($"Background work {WorkerNames.SnapshotRefresh} failed"), TimeSpan.FromSeconds(10), "the refresh's fault logged");
        await Task.Delay(WorkerIterations.FirstPause);
        snapshots.RefreshLater("no-such-repository", agentId);

        // Every periodic worker comes back.
        string[] periodic = [WorkerNames.AlertOutbox, WorkerNames.AlertEvaluator, WorkerNames.Maintenance, WorkerNames.AwayHosts, WorkerNames.Dispatch, WorkerNames.Rollout,
            WorkerNames.LastSeen, WorkerNames.SnapshotRefresh];
        await Eventually.TrueAsync(() => periodic.All(w => server.Logs.All.Contains($"Background work {w} works again after 1 failed rounds")),
            TimeSpan.FromSeconds(20), "every worker working again",
            () => string.Join(", ", periodic.Where(w => !server.Logs.All.Contains($"Background work {w} works again"))));

        // Each fault was logged with what failed, counted once, and the server is serving.
        var metrics = await admin.GetStringAsync("/metrics");
        foreach (var worker in WorkerNames.All)
        {
            metrics.ShouldContain($"restic_manager_background_faults_total{{worker=\"{worker}\"}} 1\n", Case.Sensitive, worker);
            server.Logs.All.ShouldContain($"Background work {worker} failed (InvalidOperationException: a fault injected into {worker})");
        }

        (await server.CreateClient().GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.GetAsync("/api/v1/hosts")).StatusCode.ShouldBe(HttpStatusCode.OK, "the warm-up's one try failed; the verdicts are read on demand");
        server.Logs.All.ShouldNotContain("BackgroundService failed");
    }
}
