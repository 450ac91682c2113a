using System.Text;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Backups;

/// <summary>A repository password reaches restic through its environment only: never argv, a log line or a file left behind.</summary>
[Collection(PublishedTreeGroup.Backups)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class SecretLeakTests(PublishedTree tree)
{
    [Fact]
    public async Task ThePasswordIsInNoLogNoCommandLineAndNoFileButSecretsEnc()
    {
        await using var backups = await BackupStack.StartAsync(tree, ["web1", "web2"], init: false);
        var argvLog = backups.Stack.Root.Of("restic-argv.log");
        var environLog = backups.Stack.Root.Of("restic-env.log");
        var wrapper = backups.Stack.Root.Write("restic-recording",
            $"#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{argvLog}'\necho \"$1 $(env | grep -c '^RESTIC_PASSWORD=')\" >> '{environLog}'\nexec restic \"$@\"\n");
        File.SetUnixFileMode(wrapper, (UnixFileMode)0b111_101_101);
        foreach (var host in new[] { "web1", "web2" })
        {
            await backups.RestartAgentAsync(host, "--restic", wrapper);
        }

        (await BackupApi.RunJobAsync(backups.Admin, new { kind = "init", repositoryId = backups.RepositoryId, host = "web1" })).Str("status").ShouldBe("succeeded");
        var plan = await backups.PlanAsync("p", ["web1"], new() { ["retention"] = new { keepLast = 1 }, ["forgetSchedule"] = "0 0 4 * * ?" });
        var snapshot = (await backups.BackupAsync(plan, "web1")).Str("snapshotId");
        await backups.BackupAsync(plan, "web1");
        (await BackupApi.RunJobAsync(backups.Admin, new { kind = "forget", planId = plan })).Str("status").ShouldBe("succeeded");
        (await BackupApi.RunJobAsync(backups.Admin, new { kind = "check", planId = plan })).Str("status").ShouldBe("succeeded");
        (await BackupApi.RunJobAsync(backups.Admin, new { kind = "unlock", repositoryId = backups.RepositoryId, host = "web2" })).Str("status").ShouldBe("succeeded");
        var latest = (await BackupApi.SnapshotsAsync(backups.Admin, backups.RepositoryId)).Single().Str("id");
        (await BackupApi.RunJobAsync(backups.Admin, new { kind = "restore", repositoryId = backups.RepositoryId, snapshotId = latest, host = "web2", target = backups.Stack.Root.Of("restored") }))
            .Str("status").ShouldBe("succeeded");
        using var repository = await backups.Admin.GetAsync($"/api/v1/repositories/{backups.RepositoryId}");
        var shown = await repository.Content.ReadAsStringAsync();

        var password = BackupApi.RepoPassword;
        File.ReadAllLines(argvLog).Length.ShouldBeGreaterThanOrEqualTo(8, "restic ran for every job");
        File.ReadAllText(argvLog).ShouldNotContain(password);
        File.ReadAllLines(environLog).Where(l => !l.StartsWith("version ", StringComparison.Ordinal))
            .ShouldAllBe(l => l.EndsWith(" 1", StringComparison.Ordinal), "every restic with a repository got the password in its environment");
        backups.Stack.AllOutput.ShouldNotContain(password);
        shown.ShouldNotContain(password);
        shown.ShouldContain("\"hasPassword\":true");
        snapshot.ShouldMatch("^[0-9a-f]{64}$", "the backup made a snapshot");

        // Every file under the stack (server data, audit log, agent configs and state, restored files) but secrets.enc.
        var holders = Directory.EnumerateFiles(backups.Stack.Root.Path, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(backups.RepositoryPath + "/", StringComparison.Ordinal))
            .Where(f => File.ReadAllBytes(f).AsSpan().IndexOf(Encoding.UTF8.GetBytes(password)) >= 0)
            .ToList();
        holders.ShouldBeEmpty();
        File.Exists(backups.Stack.Root.Of("server-data", "secrets.enc")).ShouldBeTrue();
    }
}
