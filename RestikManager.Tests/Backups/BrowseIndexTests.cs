using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Backups;

/// <summary>
/// A large snapshot is indexed by its agent after the backup, and browsing it is then answered from the index:
/// the same entries, in the same order, with the same paging as restic's own listing.
/// </summary>
[Collection(PublishedTreeGroup.Backups)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class BrowseIndexTests(PublishedTree tree)
{
    [Fact]
    public async Task ALargeSnapshotIsIndexedAfterItsBackupAndBrowsesTheSameAsRestic()
    {
        await using var backups = await BackupStack.StartAsync(tree, ["web1"]);
        var wide = Path.Join(backups.Source("web1"), "wide");
        for (var d = 0; d < 21; d++)
        {
            var dir = Path.Join(wide, $"d{d:00}");
            Directory.CreateDirectory(dir);
            for (var f = 0; f < 1000; f++)
            {
                File.WriteAllText(Path.Join(dir, $"f{f:0000}"), d == 5 && f >= 990 ? new string('x', f) : "");
            }
        }

        var plan = await backups.PlanAsync("wide", ["web1"]);
        var job = await backups.BackupAsync(plan, "web1");
        job.Str("status").ShouldBe("succeeded", job.ToString());
        var snapshot = job.Str("snapshotId");
        var index = Path.Join(backups.StateDir("web1"), "index", backups.RepositoryId, snapshot);
        await Eventually.HoldsAsync(() => File.Exists(Path.Join(index, "dirs.bin")), TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(250));

        File.Exists(Path.Join(index, "dirs.bin")).ShouldBeTrue("the agent indexed the snapshot:\n" + backups.Agent("web1").Output);
        // The index is in place a moment before its log line is read from the agent's output.
        await backups.Agent("web1").WaitForLineAsync(new System.Text.RegularExpressions.Regex($"Indexed snapshot {snapshot}"), TimeSpan.FromSeconds(30));

        var first = await backups.BrowseAsync(snapshot, wide, limit: 10);
        first.GetProperty("entries").EnumerateArray().Select(e => e.Str("name")).ShouldBe(Enumerable.Range(0, 10).Select(d => $"d{d:00}"));
        first.GetProperty("more").GetBoolean().ShouldBeTrue();
        var last = await backups.BrowseAsync(snapshot, wide, offset: 20, limit: 10);
        last.GetProperty("entries").EnumerateArray().Select(e => e.Str("name")).ShouldBe(["d20"]);
        last.GetProperty("more").GetBoolean().ShouldBeFalse();
        using var trailing = await backups.Admin.GetAsync(
            $"/api/v1/repositories/{backups.RepositoryId}/snapshots/{snapshot}/tree?path={Uri.EscapeDataString(wide + "/")}");
        trailing.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest, "one spelling per directory");
        (await trailing.JsonAsync()).GetProperty("error").Str("message").ShouldContain($"write '{wide}'");

        var page = await backups.BrowseAsync(snapshot, Path.Join(wide, "d05"), offset: 985, limit: 20);
        var fromIndex = page.GetProperty("entries").EnumerateArray().Select(e => e.ToString()).ToList();
        fromIndex.Count.ShouldBe(15);
        page.GetProperty("more").GetBoolean().ShouldBeFalse();
        var entry = page.GetProperty("entries")[14];
        (entry.Str("name"), entry.Str("type"), entry.Str("path")).ShouldBe(("f0999", "file", Path.Join(wide, "d05", "f0999")));
        entry.GetProperty("size").GetInt64().ShouldBe(999);

        var nothing = await backups.BrowseAsync(snapshot, Path.Join(wide, "no-such-dir"));
        nothing.GetProperty("entries").GetArrayLength().ShouldBe(0);
        nothing.GetProperty("more").GetBoolean().ShouldBeFalse();

        // restic's own answer for the same page, with the index out of the way.
        Directory.Move(index, index + ".off");
        var direct = await backups.BrowseAsync(snapshot, Path.Join(wide, "d05"), offset: 985, limit: 20);
        direct.GetProperty("entries").EnumerateArray().Select(e => e.ToString()).ToList().ShouldBe(fromIndex);
    }
}
