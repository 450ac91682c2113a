using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Backups;

/// <summary>
/// What restic 0.16+ does differently, played by a wrapper around the real restic 0.14 (which prints no restore
/// progress): the agent asks restore for JSON and reports its progress like a backup's.
/// </summary>
[Collection(PublishedTreeGroup.Backups)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class NewerResticTests(PublishedTree tree)
{
    [Fact]
    public async Task RestoreProgressInRestic016JsonIsReported()
    {
        await using var backups = await BackupStack.StartAsync(tree, ["web1"]);
        var wrapper = backups.Stack.Root.Write("restic-0.16-restore", """
            #!/bin/sh
            if [ "$1" = restore ] && [ "$2" = --json ]; then
              echo '{"message_type":"status","seconds_elapsed":1,"percent_done":0.5,"total_files":10,"files_restored":5,"total_bytes":2000,"bytes_restored":1000}'
              sleep 4
              echo '{"message_type":"summary","seconds_elapsed":5,"total_files":10,"files_restored":10,"total_bytes":2000,"bytes_restored":2000}'
              exit 0
            fi
            exec restic "$@"
            """);
        File.SetUnixFileMode(wrapper, (UnixFileMode)0b111_101_101);
        await backups.RestartAgentAsync("web1", "--restic", wrapper);
        var plan = await backups.PlanAsync("p", ["web1"]);
        var snapshot = (await backups.BackupAsync(plan, "web1")).Str("snapshotId");

        var id = await BackupApi.StartJobAsync(backups.Admin,
            new { kind = "restore", repositoryId = backups.RepositoryId, snapshotId = snapshot, host = "web1", target = backups.Stack.Root.Of("restored") });
        var running = await BackupApi.WaitForJobsAsync(backups.Admin, "", j => j.Any(x => x.Str("id") == id && x.Str("progress") != ""),
            TimeSpan.FromSeconds(30), "restore progress");

        var progress = running.Single(x => x.Str("id") == id).GetProperty("progress");
        progress.GetProperty("filesDone").GetInt64().ShouldBe(5);
        progress.GetProperty("totalFiles").GetInt64().ShouldBe(10);
        progress.GetProperty("bytesDone").GetInt64().ShouldBe(1000);
        progress.GetProperty("percentDone").GetDouble().ShouldBe(0.5);
        (await BackupApi.WaitForJobAsync(backups.Admin, id, TimeSpan.FromSeconds(30))).Str("status").ShouldBe("succeeded");
    }
}
