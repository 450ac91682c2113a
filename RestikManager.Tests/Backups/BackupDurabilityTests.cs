using System.Net.Http.Json;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Backups;

/// <summary>Results are never lost and never doubled: the server killed, the agent killed, the server away for a while.</summary>
[Collection(PublishedTreeGroup.Name)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class BackupDurabilityTests(PublishedTree tree)
{
    [Fact]
    public async Task ScheduledBackupsRunWhileTheServerIsDeadAndEveryResultArrivesOnce()
    {
        await using var backups = await BackupStack.StartAsync(tree, ["web1"]);
        // Every 10 s, and slowed so that a backup is likely running when the server dies.
        await backups.PlanAsync("often", ["web1"], new() { ["schedule"] = "0/10 * * * * ?", ["limitUploadKiB"] = 512 });
        var agent = backups.Agent("web1");
        await BackupApi.WaitForJobsAsync(backups.Admin, "", j => j.Any(x => x.Str("trigger") == "schedule" && x.Str("status") == "running"),
            TimeSpan.FromSeconds(60), "a scheduled backup running");

        backups.Stack.KillServer();
        var endedBefore = Ended(agent).Count;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (Ended(agent).Count < endedBefore + 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Ended(agent).Count.ShouldBeGreaterThanOrEqualTo(endedBefore + 3, "backups go on while the server is away:\n" + agent.Output);
        await backups.Stack.StartServerAsync();
        var admin = new HttpClient { BaseAddress = new Uri(backups.Stack.Url) }.WithBearer(backups.Stack.AdminToken);
        await Api.WaitForHostsAsync(admin, h => h.All(x => x.Str("status") == "online"), TimeSpan.FromSeconds(90), "web1 back");
        (await admin.PutAsJsonAsync($"/api/v1/plans/{(await BackupApi.JobsAsync(admin))[0].Str("planId")}",
            new { name = "often", repositoryId = backups.RepositoryId, hosts = new[] { "web1" }, paths = new[] { backups.Source("web1") }, schedule = "0 0 3 * * ?", enabled = false }))
            .EnsureSuccessStatusCode();

        // Everything the agent finished is recorded, once; nothing is still running.
        var jobs = await BackupApi.WaitForJobsAsync(admin, "", j => Ended(agent).All(id => j.Any(x => x.Str("id") == id && x.Str("finishedAt") != "")),
            TimeSpan.FromSeconds(90), "every result the agent reported is recorded");
        await Task.Delay(3000);
        jobs = await BackupApi.JobsAsync(admin);
        var ended = Ended(agent);
        ended.Distinct().Count().ShouldBe(ended.Count, "the agent ran each job once");
        jobs.Select(j => j.Str("id")).Distinct().Count().ShouldBe(jobs.Length);
        jobs.Where(j => j.Str("kind") == "backup").Select(j => j.Str("id")).Order().ShouldBe(ended.Order(), "one record per run, none lost, none doubled");
        var snapshots = await BackupApi.SnapshotsAsync(admin, backups.RepositoryId);
        var saved = jobs.Where(j => j.Str("snapshotId") != "").Select(j => j.Str("snapshotId")).ToList();
        saved.Order().ShouldBe(snapshots.Select(s => s.Str("id")).Order(), "every snapshot in the repository has its job");
    }

    [Fact]
    public async Task AnAgentKilledMidBackupReportsItInterruptedClearsTheLockAndTheNextRunWorks()
    {
        await using var backups = await BackupStack.StartAsync(tree, ["web1"]);
        var id = await StartSlowBackupAsync(backups);
        var locks = Path.Join(backups.RepositoryPath, "locks");
        Directory.GetFiles(locks).ShouldNotBeEmpty("restic holds its lock while it backs up");

        backups.Agent("web1").KillTree();
        Directory.GetFiles(locks).ShouldNotBeEmpty("a killed restic leaves its lock behind");
        backups.StartAgent("web1");

        var interrupted = await BackupApi.WaitForJobAsync(backups.Admin, id, TimeSpan.FromSeconds(60));
        interrupted.Str("status").ShouldBe("interrupted", interrupted.ToString());
        interrupted.Str("errorClass").ShouldBe("interrupted");
        Directory.GetFiles(locks).ShouldBeEmpty("the stale lock was removed:\n" + backups.Agent("web1").Output + "\n" + interrupted);
        var fast = await backups.PlanAsync("fast", ["web1"]);
        (await backups.BackupAsync(fast, "web1")).Str("status").ShouldBe("succeeded");
    }

    [Theory]
    [InlineData(15)]
    [InlineData(2)]
    public async Task AStopSignalInterruptsResticUnlocksReportsTheJobAndExitsZero(int signal)
    {
        await using var backups = await BackupStack.StartAsync(tree, ["web1"]);
        var id = await StartSlowBackupAsync(backups);
        var agent = backups.Agent("web1");
        var restic = ChildrenOf(agent.Id, "restic");
        restic.ShouldNotBeEmpty("restic runs the backup");

        agent.Signal(signal);

        (await agent.WaitForExitAsync(RunCommandStopBound)).ShouldBe(0, agent.Output);
        agent.Output.ShouldContain($"Stopping ({(signal == 2 ? "SIGINT" : "SIGTERM")})");
        agent.Lines[^1].ShouldContain("Stopped");
        restic.ShouldAllBe(pid => !Directory.Exists($"/proc/{pid}"), "no restic outlives the agent");
        Directory.GetFiles(Path.Join(backups.RepositoryPath, "locks")).ShouldBeEmpty("restic released its lock");
        var job = await BackupApi.WaitForJobAsync(backups.Admin, id, TimeSpan.FromSeconds(5));
        job.Str("status").ShouldBe("interrupted", "reported before the agent exited, not at its next start");
        job.Str("errorClass").ShouldBe("interrupted");
        Directory.GetFiles(Path.Join(backups.StateDir("web1"), "outbox")).ShouldBeEmpty("the server acknowledged the result");
    }

    [Fact]
    public async Task CancelStopsResticUnlocksAndSaysCancelled()
    {
        await using var backups = await BackupStack.StartAsync(tree, ["web1"]);
        var id = await StartSlowBackupAsync(backups);

        (await backups.Admin.PostAsync($"/api/v1/jobs/{id}/cancel", null)).StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted);

        var cancelled = await BackupApi.WaitForJobAsync(backups.Admin, id, TimeSpan.FromSeconds(60));
        cancelled.Str("status").ShouldBe("cancelled", cancelled.ToString());
        Directory.GetFiles(Path.Join(backups.RepositoryPath, "locks")).ShouldBeEmpty();
        (await BackupApi.SnapshotsAsync(backups.Admin, backups.RepositoryId)).ShouldBeEmpty("a cancelled backup saves no snapshot");
        (await backups.Admin.PostAsync($"/api/v1/jobs/{id}/cancel", null)).StatusCode.ShouldBe(System.Net.HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task AnExclusiveJobWaitsForTheRunningBackupInsteadOfFightingForTheLock()
    {
        await using var backups = await BackupStack.StartAsync(tree, ["web1"]);
        var big = new byte[3 * 1024 * 1024];
        Random.Shared.NextBytes(big);
        File.WriteAllBytes(Path.Join(backups.Source("web1"), "big.bin"), big);
        var slow = await backups.PlanAsync("slow", ["web1"], new() { ["limitUploadKiB"] = 512, ["retention"] = new { keepLast = 5 } });
        var backup = await BackupApi.StartJobAsync(backups.Admin, new { kind = "backup", planId = slow, host = "web1" });
        await BackupApi.WaitForJobsAsync(backups.Admin, "", j => j.Any(x => x.Str("id") == backup && x.Str("status") == "running"), TimeSpan.FromSeconds(30), "backup running");

        var check = await BackupApi.StartJobAsync(backups.Admin, new { kind = "check", planId = slow });

        (await BackupApi.JobsAsync(backups.Admin)).Single(j => j.Str("id") == check).Str("status").ShouldBe("queued");
        var checkDone = await BackupApi.WaitForJobAsync(backups.Admin, check, TimeSpan.FromSeconds(90));
        var backupDone = await BackupApi.WaitForJobAsync(backups.Admin, backup, TimeSpan.FromSeconds(5));
        backupDone.Str("status").ShouldBe("succeeded");
        checkDone.Str("status").ShouldBe("succeeded", checkDone.ToString());
        DateTimeOffset.Parse(checkDone.Str("startedAt"), System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBeGreaterThanOrEqualTo(DateTimeOffset.Parse(backupDone.Str("finishedAt"), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Starts a backup of an 8 MiB file at 256 KiB/s on web1 and waits for its first progress; returns its id.</summary>
    private static async Task<string> StartSlowBackupAsync(BackupStack backups)
    {
        var big = new byte[8 * 1024 * 1024];
        Random.Shared.NextBytes(big);
        File.WriteAllBytes(Path.Join(backups.Source("web1"), "big.bin"), big);
        var slow = await backups.PlanAsync("slow", ["web1"], new() { ["limitUploadKiB"] = 256 });
        var id = await BackupApi.StartJobAsync(backups.Admin, new { kind = "backup", planId = slow, host = "web1" });
        await BackupApi.WaitForJobsAsync(backups.Admin, "", j => j.Any(x => x.Str("id") == id && x.Str("progress") != ""), TimeSpan.FromSeconds(60), "progress");
        return id;
    }

    private static readonly TimeSpan RunCommandStopBound = TimeSpan.FromSeconds(60);

    /// <summary>Process ids of <paramref name="parent"/>'s children named <paramref name="name"/> (from /proc).</summary>
    private static List<int> ChildrenOf(int parent, string name) =>
        [.. Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(d => int.TryParse(d, out _)).Select(int.Parse!)
            .Where(pid => Stat(pid) is { } stat && stat.Comm == name && stat.Parent == parent)];

    private static (string Comm, int Parent)? Stat(int pid)
    {
        try
        {
            // "pid (comm) state ppid …": comm may hold spaces, so split after its closing parenthesis.
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var close = text.LastIndexOf(')');
            var rest = text[(close + 2)..].Split(' ');
            return (text[(text.IndexOf('(') + 1)..close], int.Parse(rest[1], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Ids of the backups the agent says it finished.</summary>
    private static List<string> Ended(ChildProcess agent) => AgentLog.EndedJobs(agent.Lines, "backup");
}
