using System.Net.Http.Json;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Backups;

/// <summary>
/// A running job stopped on purpose: the agent's stop signals, an operator's cancel, an exclusive job queued behind a
/// backup. (The server and an agent killed outright are FullStack/FullStackTests' scenarios.)
/// </summary>
[Collection(PublishedTreeGroup.Name)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class BackupDurabilityTests(PublishedTree tree)
{
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
}
