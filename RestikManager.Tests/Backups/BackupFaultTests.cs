using System.Diagnostics;
using System.Net.Http.Json;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Backups;

/// <summary>Each fault ends in a job result that says exactly what went wrong, and the next run works.</summary>
[Collection(PublishedTreeGroup.Backups)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class BackupFaultTests(PublishedTree tree)
{
    [Fact]
    public async Task WrongPasswordIsNamedAndTheNextRunWorksOnceItIsFixed()
    {
        await using var backups = await BackupStack.StartAsync(tree, ["web1"]);
        var plan = await backups.PlanAsync("p", ["web1"]);
        (await backups.Admin.PutAsJsonAsync($"/api/v1/repositories/{backups.RepositoryId}", new { password = "not-the-password" })).EnsureSuccessStatusCode();

        var failed = await backups.BackupAsync(plan, "web1");

        failed.Str("status").ShouldBe("failed");
        failed.Str("errorClass").ShouldBe("wrong_password", failed.ToString());
        failed.Str("error").ShouldContain("wrong password");

        (await backups.Admin.PutAsJsonAsync($"/api/v1/repositories/{backups.RepositoryId}", new { password = BackupApi.RepoPassword })).EnsureSuccessStatusCode();
        (await backups.BackupAsync(plan, "web1")).Str("status").ShouldBe("succeeded");
    }

    [Fact]
    public async Task MissingRepositoryAndMissingSourcePathAreNamed()
    {
        await using var backups = await BackupStack.StartAsync(tree, ["web1"]);
        var nowhere = await BackupApi.CreateRepositoryAsync(backups.Admin, "nowhere", backups.Stack.Root.Of("no-repo-here"));
        var toNowhere = await backups.PlanAsync("to nowhere", ["web1"], new() { ["repositoryId"] = nowhere });

        var missingRepo = await backups.BackupAsync(toNowhere, "web1");

        missingRepo.Str("status").ShouldBe("failed");
        missingRepo.Str("errorClass").ShouldBe("repository_missing", missingRepo.ToString());

        var gone = backups.Stack.Root.Of("gone");
        var halfThere = await backups.PlanAsync("half there", ["web1"], new() { ["paths"] = new[] { backups.Source("web1"), gone } });
        var partial = await backups.BackupAsync(halfThere, "web1");

        partial.Str("status").ShouldBe("partial", partial.ToString());
        partial.Str("errorClass").ShouldBe("source_missing");
        partial.Str("error").ShouldContain(gone);
        partial.Str("snapshotId").ShouldMatch("^[0-9a-f]{64}$", "what exists was saved");

        var onlyGone = await backups.PlanAsync("only gone", ["web1"], new() { ["paths"] = new[] { gone } });
        var nothing = await backups.BackupAsync(onlyGone, "web1");
        nothing.Str("status").ShouldBe("failed");
        nothing.Str("errorClass").ShouldBe("source_missing", nothing.ToString());

        Directory.CreateDirectory(gone);
        File.WriteAllText(Path.Join(gone, "now.txt"), "here now");
        (await backups.BackupAsync(halfThere, "web1")).Str("status").ShouldBe("succeeded");
    }

    [Fact]
    public async Task LockedRepositoryIsNamedAndTheNextRunWorksOnceTheLockIsGone()
    {
        await using var backups = await BackupStack.StartAsync(tree, ["web1"], init: true, "--lock-wait", "0");
        var plan = await backups.PlanAsync("p", ["web1"]);
        (await backups.BackupAsync(plan, "web1")).Str("status").ShouldBe("succeeded");

        // The refresh of the snapshot list and the size reading after that backup take locks of their own: let them finish first.
        await BackupApi.SnapshotsAsync(backups.Admin, backups.RepositoryId);
        await Eventually.TrueAsync(() => backups.Admin.GetStringAsync($"/api/v1/repositories/{backups.RepositoryId}/stats").Result.Contains("\"snapshotCount\":1", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "the size reading after the first backup");
        var locks = Path.Join(backups.RepositoryPath, "locks");
        await Eventually.HoldsAsync(() => Directory.GetFiles(locks).Length == 0, TimeSpan.FromSeconds(30));

        // Someone else's prune, slowed to a crawl, holds the exclusive lock.
        using var prune = ChildProcess.Start("restic", ["prune", "--limit-download", "1"],
            new Dictionary<string, string?> { ["RESTIC_REPOSITORY"] = backups.RepositoryPath, ["RESTIC_PASSWORD"] = BackupApi.RepoPassword });
        // restic 0.14's prune says "loading indexes..." once it holds the exclusive lock. (Waiting for any file in
        // locks/ was not enough: a late snapshot refresh's shared lock could be taken for prune's.)
        await Eventually.HoldsAsync(() => prune.Output.Contains("loading indexes", StringComparison.Ordinal), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20));

        Directory.GetFiles(locks).ShouldNotBeEmpty("prune holds its lock:\n" + prune.Output);

        // Frozen, it keeps its lock live however quickly it would have finished.
        prune.Signal(19);

        var locked = await backups.BackupAsync(plan, "web1");

        locked.Str("status").ShouldBe("failed");
        locked.Str("errorClass").ShouldBe("locked", locked.ToString());

        prune.Signal(18);
        prune.Signal(2);
        (await prune.WaitForExitAsync(TimeSpan.FromSeconds(30))).ShouldNotBe(0);
        var next = await backups.BackupAsync(plan, "web1");
        next.Str("status").ShouldBe("succeeded", next + "\n" + prune.Output);
    }

    [Fact]
    public async Task UnreadableFilesMakeAPartialBackupAndTheNextRunWorks()
    {
        // restic runs as nobody (through a wrapper), so that a file with mode 000 is really unreadable.
        await using var backups = await BackupStack.StartAsync(tree, ["web1"], init: false);
        var wrapper = backups.Stack.Root.Write("restic-as-nobody", "#!/bin/sh\nexec setpriv --reuid=nobody --regid=nogroup --clear-groups restic \"$@\"\n");
        File.SetUnixFileMode(wrapper, (UnixFileMode)0b111_101_101);
        await backups.RestartAgentAsync("web1", "--restic", wrapper);
        Directory.CreateDirectory(backups.RepositoryPath);
        Process.Start("chmod", ["-R", "a+rwX", backups.Stack.Root.Path])!.WaitForExit();
        var secret = Path.Join(backups.Source("web1"), "dir1", "private.key");
        File.WriteAllText(secret, "nobody may read this");
        File.SetUnixFileMode(secret, UnixFileMode.None);
        (await BackupApi.RunJobAsync(backups.Admin, new { kind = "init", repositoryId = backups.RepositoryId, host = "web1" })).Str("status").ShouldBe("succeeded");
        var plan = await backups.PlanAsync("p", ["web1"]);

        var partial = await backups.BackupAsync(plan, "web1");

        partial.Str("status").ShouldBe("partial", partial.ToString());
        partial.GetProperty("exitCode").GetInt32().ShouldBe(3);
        partial.Str("errorClass").ShouldBe("partial_backup");
        partial.Str("error").ShouldContain("private.key");
        partial.Str("snapshotId").ShouldMatch("^[0-9a-f]{64}$");

        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.OtherRead);
        (await backups.BackupAsync(plan, "web1")).Str("status").ShouldBe("succeeded");
    }
}
