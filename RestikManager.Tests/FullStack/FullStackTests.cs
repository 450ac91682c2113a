using System.Net.Http.Json;
using RestikManager.AppHost;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.FullStack;

/// <summary>
/// The AppHost, started whole through Aspire.Hosting.Testing: plans run on their schedules on every host, the server
/// dies and comes back while they run, an agent dies mid-backup. Real processes, real restic, real files.
/// </summary>
[Collection(AspireStackGroup.Name)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class FullStackTests
{
    private const string Every10Seconds = "0/10 * * * * ?";

    [Fact]
    public async Task ScheduledBackupsRestoreByteForByteAndAnAgentKilledMidBackupComesBackClean()
    {
        await using var app = await AspireStack.StartAsync(hosts: 3, schedule: Every10Seconds);

        foreach (var host in app.Hosts)
        {
            var jobs = await BackupApi.WaitForJobsAsync(app.Admin, $"&plan={app.PlanId(host)}",
                j => j.Any(x => x.Str("trigger") == "schedule" && x.Str("status") == "succeeded"), TimeSpan.FromSeconds(60), host.Name + "'s scheduled backup");
            var job = jobs.First(x => x.Str("trigger") == "schedule" && x.Str("status") == "succeeded");
            job.Str("snapshotId").ShouldMatch("^[0-9a-f]{64}$");
            var snapshots = await BackupApi.SnapshotsAsync(app.Admin, app.RepositoryId(host));
            snapshots.Select(s => s.Str("id")).ShouldContain(job.Str("snapshotId"));
            snapshots.ShouldAllBe(s => s.Str("hostname") == host.Name);

            // Restored by another host, into a directory of its own.
            var other = app.Hosts.First(h => h != host);
            var target = Path.Join(other.Home, "restored-from-" + host.Name);
            var restore = await BackupApi.RunJobAsync(app.Admin,
                new { kind = "restore", repositoryId = app.RepositoryId(host), snapshotId = job.Str("snapshotId"), host = other.Name, target });
            restore.Str("status").ShouldBe("succeeded", restore.ToString());
            DirectorySnapshot.Take(target + host.Data).ShouldBe(DirectorySnapshot.Take(host.Data));
        }

        // The same stack (one Aspire start, not two): host-1's agent killed mid-backup, then the stack stopped.
        await AnAgentKilledMidBackupEndsInterruptedAndItsNextRunSucceedsAsync(app, app.Host("host-1"));
        await StoppingTheStackLeavesNothingBehindAsync(app);
    }

    [Fact]
    public async Task TheServerKilledWhileBackupsRunGetsEveryResultOnceAndEveryHostBack()
    {
        await using var app = await AspireStack.StartAsync(hosts: 2, schedule: Every10Seconds);
        foreach (var host in app.Hosts)
        {
            await BackupApi.WaitForJobsAsync(app.Admin, $"&plan={app.PlanId(host)}", j => j.Any(x => x.Str("status") == "succeeded"),
                TimeSpan.FromSeconds(60), host.Name + "'s first scheduled backup");
        }

        await app.KillAsync("server");
        var before = app.JobsTheAgentsEnded("backup").Count;
        await Eventually.TrueAsync(() => app.JobsTheAgentsEnded("backup").Count >= before + 4, TimeSpan.FromSeconds(90),
            "backups go on while the server is away", () => app.Output);
        await app.StartAgainAsync("server");

        await app.WaitForAllOnlineAsync(TimeSpan.FromSeconds(90));
        foreach (var host in app.Hosts)
        {
            await BackupApi.DisablePlanAsync(app.Admin, app.PlanId(host));
        }

        // Once the agents have the plans off, nothing runs and their outboxes are empty (every result acknowledged, so
        // nothing more can arrive), every run has exactly one record.
        await BackupApi.WaitForJobsAsync(app.Admin, "", j => j.All(x => x.Str("finishedAt") != "")
                && app.JobsTheAgentsEnded("backup").All(id => j.Any(x => x.Str("id") == id)) && app.Hosts.All(h => OutboxIsEmpty(h.StateDir)),
            TimeSpan.FromSeconds(90), "every run ended, reported and acknowledged");
        var ended = app.JobsTheAgentsEnded("backup");
        ended.Distinct().Count().ShouldBe(ended.Count, "each job ran once");
        var jobs = (await BackupApi.JobsAsync(app.Admin)).Where(j => j.Str("kind") == "backup").ToList();
        jobs.Select(j => j.Str("id")).Order().ShouldBe(ended.Order(), "one record per run: none lost, none doubled");
        foreach (var host in app.Hosts)
        {
            var snapshots = await BackupApi.SnapshotsAsync(app.Admin, app.RepositoryId(host));
            jobs.Where(j => j.Str("planId") == app.PlanId(host) && j.Str("snapshotId") != "").Select(j => j.Str("snapshotId")).Order()
                .ShouldBe(snapshots.Select(s => s.Str("id")).Order(), $"every snapshot of {host.Name} has its job");
        }
    }

    /// <summary>
    /// On a repository of its own (the host's scheduled backups keep theirs busy), a slowed backup is running when the
    /// agent is SIGKILLed: the job ends interrupted once the agent is back, the dead restic's lock is gone, and the next
    /// backup succeeds.
    /// </summary>
    private static async Task AnAgentKilledMidBackupEndsInterruptedAndItsNextRunSucceedsAsync(AspireStack app, SimulatedHost host)
    {
        var repository = Path.Join(host.Home, "slow-repo");
        using var created = await app.Admin.PostAsJsonAsync("/api/v1/repositories",
            new { name = "slow repo", url = repository, password = BackupApi.RepoPassword, init = true, initHost = host.Name });
        var init = await BackupApi.WaitForJobAsync(app.Admin, (await created.JsonAsync()).Str("initJob"), TimeSpan.FromSeconds(60));
        init.Str("status").ShouldBe("succeeded", init.ToString());
        var repositoryId = (await created.JsonAsync()).Str("id");
        var big = new byte[16 * 1024 * 1024];
        Random.Shared.NextBytes(big);
        File.WriteAllBytes(Path.Join(host.Data, "big.bin"), big);
        var slow = await BackupApi.CreatePlanAsync(app.Admin, new
        {
            name = "slow", repositoryId, hosts = new[] { host.Name }, paths = new[] { host.Data },
            schedule = "0 0 3 * * ?", limitUploadKiB = 256,
        });
        var id = await BackupApi.StartJobAsync(app.Admin, new { kind = "backup", planId = slow, host = host.Name });
        await BackupApi.WaitForJobsAsync(app.Admin, "", j => j.Any(x => x.Str("id") == id && x.Str("progress") != ""), TimeSpan.FromSeconds(60), "progress");

        await app.KillAsync(host.Name);
        await app.WaitForOfflineAsync(host.Name);
        Directory.GetFiles(Path.Join(repository, "locks")).ShouldNotBeEmpty("a killed restic leaves its lock behind");
        await app.StartAgainAsync(host.Name);

        var interrupted = await BackupApi.WaitForJobAsync(app.Admin, id, TimeSpan.FromSeconds(60));
        interrupted.Str("status").ShouldBe("interrupted", interrupted.ToString());
        Directory.GetFiles(Path.Join(repository, "locks")).ShouldBeEmpty("the dead restic's lock was removed");
        var fast = await BackupApi.CreatePlanAsync(app.Admin, new
        {
            name = "after the kill", repositoryId, hosts = new[] { host.Name }, paths = new[] { host.Data }, schedule = "0 0 3 * * ?",
        });
        var next = await BackupApi.RunJobAsync(app.Admin, new { kind = "backup", planId = fast, host = host.Name });
        next.Str("status").ShouldBe("succeeded", next.ToString());
        (await app.WaitForAllOnlineAsync()).Length.ShouldBe(app.Hosts.Count);
    }

    /// <summary>Stopping the stack leaves nothing behind: no process, no file.</summary>
    private static async Task StoppingTheStackLeavesNothingBehindAsync(AspireStack app)
    {
        var pids = new List<int>();
        foreach (var resource in app.Hosts.Select(h => h.Name).Prepend("server"))
        {
            pids.Add(await app.PidAsync(resource));
        }

        app.ProcessesOfThisStack().Count.ShouldBeGreaterThanOrEqualTo(2, "the agents' command lines name the stack's root");
        await app.DisposeAsync();
        app.ProcessesOfThisStack().ShouldBeEmpty();
        pids.ShouldAllBe(pid => !Directory.Exists($"/proc/{pid}"));
        Directory.Exists(app.Root).ShouldBeFalse();
    }

    private static bool OutboxIsEmpty(string stateDir) =>
        !Directory.Exists(Path.Join(stateDir, "outbox")) || Directory.GetFiles(Path.Join(stateDir, "outbox")).Length == 0;
}
