using System.Text.Json;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Backups;

/// <summary>
/// The whole way with real restic on real files: init through an agent, back up, list, browse, restore on another
/// host byte for byte, and retention removing exactly what the policy says.
/// </summary>
[Collection(PublishedTreeGroup.Backups)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class BackupFlowTests(PublishedTree tree)
{
    [Fact]
    public async Task BackupListBrowseAndRestoreOnAnotherHost()
    {
        await using var backups = await BackupStack.StartAsync(tree, ["web1", "web2"]);
        var plan = await backups.PlanAsync("web1 files", ["web1"], new() { ["tags"] = new[] { "nightly" } });

        var job = await backups.BackupAsync(plan, "web1");

        job.Str("status").ShouldBe("succeeded", job.ToString());
        var snapshotId = job.Str("snapshotId");
        snapshotId.ShouldMatch("^[0-9a-f]{64}$", "the short id of restic 0.14 is resolved to the full id");
        job.GetProperty("backup").GetProperty("filesNew").GetInt64().ShouldBe(41);
        job.GetProperty("backup").GetProperty("totalBytesProcessed").GetInt64().ShouldBeGreaterThan(0);

        // The snapshot list is refreshed after the backup (cached on the server).
        var snapshots = await WaitForSnapshotsAsync(backups, 1);
        var snapshot = snapshots.Single();
        snapshot.Str("id").ShouldBe(snapshotId);
        snapshot.Str("hostname").ShouldBe("web1");
        snapshot.Str("planId").ShouldBe(plan);
        snapshot.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["nightly"]);

        // Browse: one directory at a time, paged.
        var source = backups.Source("web1");
        var root = await backups.BrowseAsync(snapshotId, source, limit: 3);
        root.GetProperty("entries").EnumerateArray().Select(e => e.Str("name")).ShouldBe(["dir0", "dir1", "dir2"]);
        root.GetProperty("more").GetBoolean().ShouldBeTrue();
        var rest = await backups.BrowseAsync(snapshotId, source, offset: 3, limit: 10);
        rest.GetProperty("entries").EnumerateArray().Select(e => e.Str("name")).ShouldBe(["dir3", "readme.txt"]);
        rest.GetProperty("more").GetBoolean().ShouldBeFalse();
        var readme = rest.GetProperty("entries")[1];
        readme.Str("type").ShouldBe("file");
        readme.GetProperty("size").GetInt64().ShouldBe(new FileInfo(Path.Join(source, "readme.txt")).Length);

        // Restore the whole snapshot on the other host, and a subtree too.
        var target = backups.Stack.Root.Of("restored-on-web2");
        var restore = await BackupApi.RunJobAsync(backups.Admin, new { kind = "restore", repositoryId = backups.RepositoryId, snapshotId = snapshotId[..8], host = "web2", target });
        restore.Str("status").ShouldBe("succeeded", restore.ToString());
        restore.Str("agentId").ShouldNotBe(job.Str("agentId"));
        DirectorySnapshot.Take(target + source).ShouldBe(DirectorySnapshot.Take(source));

        var subtree = backups.Stack.Root.Of("restored-subtree");
        var partial = await BackupApi.RunJobAsync(backups.Admin, new { kind = "restore", repositoryId = backups.RepositoryId, snapshotId, host = "web1", target = subtree, path = source + "/dir1" });
        partial.Str("status").ShouldBe("succeeded", partial.ToString());
        DirectorySnapshot.Take(subtree + source + "/dir1").ShouldBe(DirectorySnapshot.Take(source + "/dir1"));
        Directory.Exists(subtree + source + "/dir2").ShouldBeFalse("only the asked-for subtree is restored");

        // The folder's contents straight into the target (restic alone would add the original path below it).
        var contents = backups.Stack.Root.Of("restored-contents");
        var flat = await BackupApi.RunJobAsync(backups.Admin, new { kind = "restore", repositoryId = backups.RepositoryId, snapshotId, host = "web2", target = contents, path = source + "/dir1", contentsOnly = true });
        flat.Str("status").ShouldBe("succeeded", flat.ToString());
        DirectorySnapshot.Take(contents).ShouldBe(DirectorySnapshot.Take(source + "/dir1"), "nothing else is left in the target, no staging directory either");

        // A snapshot id that the repository does not have is a 404, not an empty directory.
        using var unknown = await backups.Admin.GetAsync($"/api/v1/repositories/{backups.RepositoryId}/snapshots/deadbeefdeadbeef/tree?path=/");
        unknown.StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
        (await unknown.JsonAsync()).GetProperty("error").Str("code").ShouldBe("not_found");

        // A plan with no schedule runs on demand.
        var onDemand = await backups.PlanAsync("on demand", ["web2"], new() { ["schedule"] = null });
        using var run = await backups.Admin.PostAsync($"/api/v1/plans/{onDemand}/run", null);
        run.IsSuccessStatusCode.ShouldBeTrue(await run.Content.ReadAsStringAsync());
        var ran = await BackupApi.WaitForJobAsync(backups.Admin, (await run.JsonAsync())[0].Str("id"), TimeSpan.FromSeconds(90));
        ran.Str("status").ShouldBe("succeeded", ran.ToString());
    }

    [Fact]
    public async Task RetentionRemovesExactlyWhatThePolicySays()
    {
        await using var backups = await BackupStack.StartAsync(tree, ["web1"]);
        var plan = await backups.PlanAsync("kept", ["web1"], new() { ["retention"] = new { keepLast = 2 } });
        var other = await backups.PlanAsync("other plan", ["web1"]);
        var made = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            File.WriteAllText(Path.Join(backups.Source("web1"), "changing.txt"), $"version {i}");
            made.Add((await backups.BackupAsync(plan, "web1")).Str("snapshotId"));
        }

        var untouched = (await backups.BackupAsync(other, "web1")).Str("snapshotId");

        var forget = await BackupApi.RunJobAsync(backups.Admin, new { kind = "forget", planId = plan });

        forget.Str("status").ShouldBe("succeeded", forget.ToString());
        forget.GetProperty("forget").GetProperty("removed").GetInt32().ShouldBe(2);
        forget.GetProperty("forget").GetProperty("removedIds").EnumerateArray().Select(e => e.GetString()).Order().ShouldBe(made.Take(2).Order());
        var left = (await BackupApi.SnapshotsAsync(backups.Admin, backups.RepositoryId)).Select(s => s.Str("id")).Order().ToList();
        left.ShouldBe(made.Skip(2).Append(untouched).Order().ToList(), "the newest two of the plan, and the other plan's snapshot");
    }

    /// <summary>
    /// A repository restic reaches through a backend other than a local path (rclone, serving a directory): the agent
    /// cannot read the full snapshot id from disk there, so it asks restic; browse and restore go through rclone too.
    /// </summary>
    [Fact]
    public async Task BackupAndRestoreThroughTheRcloneBackend()
    {
        Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(d => File.Exists(Path.Join(d, "rclone")))
            .ShouldBeTrue("rclone is installed by ./test.sh (apt-get install rclone)");
        await using var backups = await BackupStack.StartAsync(tree, ["web1"], repositoryUrl: path => "rclone:" + path, init: true, []);
        var plan = await backups.PlanAsync("over rclone", ["web1"]);

        var job = await backups.BackupAsync(plan, "web1");

        job.Str("status").ShouldBe("succeeded", job.ToString());
        var snapshotId = job.Str("snapshotId");
        snapshotId.ShouldMatch("^[0-9a-f]{64}$", "the short id is resolved by asking restic when the repository is not a local path");
        Directory.GetFiles(Path.Join(backups.RepositoryPath, "snapshots")).Select(Path.GetFileName).ShouldBe([snapshotId]);
        (await WaitForSnapshotsAsync(backups, 1)).Single().Str("id").ShouldBe(snapshotId);

        var source = backups.Source("web1");
        var listed = await backups.BrowseAsync(snapshotId, source);
        listed.GetProperty("entries").EnumerateArray().Select(e => e.Str("name")).ShouldBe(["dir0", "dir1", "dir2", "dir3", "readme.txt"]);
        var target = backups.Stack.Root.Of("restored");
        var restore = await BackupApi.RunJobAsync(backups.Admin, new { kind = "restore", repositoryId = backups.RepositoryId, snapshotId, host = "web1", target });
        restore.Str("status").ShouldBe("succeeded", restore.ToString());
        DirectorySnapshot.Take(target + source).ShouldBe(DirectorySnapshot.Take(source));
    }

    private static async Task<JsonElement[]> WaitForSnapshotsAsync(BackupStack backups, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var snapshots = await BackupApi.SnapshotsAsync(backups.Admin, backups.RepositoryId, refresh: false);
            if (snapshots.Length == count || DateTime.UtcNow > deadline)
            {
                snapshots.Length.ShouldBe(count);
                return snapshots;
            }

            await Task.Delay(200);
        }
    }
}
