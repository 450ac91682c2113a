using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using RestikManager.Tests.Infrastructure;
using RestikManager.Tests.Install;

namespace RestikManager.Tests.Updates;

/// <summary>
/// Real agents replacing themselves: agent A (<see cref="OldAgent"/>) against a server that serves B (the published
/// tree's agent). The update waits for a running backup, arrives as B's bytes under the same process id, and keeps the
/// result; a tampered download is refused; a B that cannot start is never installed. The server's rollout logic (canaries,
/// manual, off, pauses) is <see cref="AgentUpdateApiTests"/>.
/// </summary>
[Collection(PublishedTreeGroup.Name)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class AgentSelfUpdateTests(PublishedTree tree)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task AnOldAgentUpdatesItselfOnceItsBackupHasEndedAndComesBackAsTheServedAgent()
    {
        await using var stack = await StartAsync();
        var (id, executable, agent) = await RunOldAgentAsync(stack, "upd1");
        var old = await File.ReadAllBytesAsync(executable);
        var plan = await SlowPlanAsync(stack, "upd1");
        var backup = await BackupApi.StartJobAsync(stack.Admin, new { kind = "backup", planId = plan, host = "upd1" });
        await BackupApi.WaitForJobsAsync(stack.Admin, "", j => j.Any(x => x.Str("id") == backup && x.Str("progress") != ""), Patience, "backup running");

        using (var offered = await stack.Admin.PostAsync($"/api/v1/hosts/{id}/update", null))
        {
            offered.StatusCode.ShouldBe(HttpStatusCode.Accepted, await offered.Content.ReadAsStringAsync());
        }

        await agent.WaitForLineAsync(new Regex("The update to agent 9.8.7-test waits until the running jobs have ended"), Patience);
        // The trial run's hello already reports B; the host is settled once the re-executed agent itself is online.
        await agent.WaitForLineAsync(new Regex($"restic-manager-agent {Regex.Escape(PublishedTree.Version)} .*starting as upd1"), Patience);
        await Eventually.TrueAsync(() => agent.Lines.Count(l => l.Contains("Online at", StringComparison.Ordinal)) == 2, Patience, "B online", () => agent.Output);
        var host = await WaitForHostAsync(stack, id, h => h.Str("agentVersion") == PublishedTree.Version && h.Str("status") == "online", "back on the served agent");

        var job = await BackupApi.WaitForJobAsync(stack.Admin, backup, TimeSpan.FromSeconds(5));
        job.Str("status").ShouldBe("succeeded", job.ToString());
        var lines = agent.Lines.ToList();
        lines.FindIndex(l => l.Contains($"Job {backup} (backup) ended: succeeded", StringComparison.Ordinal))
            .ShouldBeLessThan(lines.FindIndex(l => l.Contains("passed its trial and is installed", StringComparison.Ordinal)), agent.Output);
        host.GetProperty("update").Str("state").ShouldBe("done");
        host.GetProperty("agentOutdated").GetBoolean().ShouldBeFalse();
        var served = await File.ReadAllBytesAsync(tree.Agent("linux-amd64"));
        (await File.ReadAllBytesAsync(executable)).SequenceEqual(served).ShouldBeTrue("B's bytes are in place");
        (await File.ReadAllBytesAsync(executable + ".previous")).SequenceEqual(old).ShouldBeTrue("A is kept beside it");
        File.Exists(executable + ".new").ShouldBeFalse();
        Directory.Exists($"/proc/{agent.Id}").ShouldBeTrue("the agent re-executed itself: the same process, now B");
        agent.Output.ShouldContain("passed its trial and is installed");
        agent.Lines.Count(l => l.Contains("starting as upd1", StringComparison.Ordinal)).ShouldBe(2, agent.Output);
        (await BackupApi.JobsAsync(stack.Admin)).Count(j => j.Str("kind") == "backup").ShouldBe(1, "the result was recorded once");
        Directory.GetFiles(Path.Join(PublishedStack.StateDir(Config(stack, "upd1")), "outbox")).ShouldBeEmpty();
    }

    [Fact]
    public async Task ATamperedDownloadIsRefusedAndTheAgentStaysAsItWas()
    {
        await using var stack = await StartAsync();
        await using var proxy = await TamperingProxy.StartAsync(stack.Url);
        var (id, executable, agent) = await RunOldAgentAsync(stack, "upd2", proxy.Url.ToString().TrimEnd('/'));
        var old = await File.ReadAllBytesAsync(executable);

        (await stack.Admin.PostAsync($"/api/v1/hosts/{id}/update", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var host = await WaitForHostAsync(stack, id, h => h.GetProperty("update") is { ValueKind: JsonValueKind.Object } u && u.Str("state") == "failed",
            "the failed update reported");
        host.GetProperty("update").Str("error").ShouldContain("SHA-256");
        host.GetProperty("update").Str("error").ShouldContain("refused");
        host.Str("agentVersion").ShouldBe(OldAgent.Version);
        (await File.ReadAllBytesAsync(executable)).SequenceEqual(old).ShouldBeTrue("A stays in place");
        File.Exists(executable + ".new").ShouldBeFalse("the bad download is removed");
        agent.Output.ShouldContain("did not happen");
    }

    [Fact]
    public async Task ANewAgentThatExitsAtStartIsNeverInstalledAndTheFailureIsVisible()
    {
        await using var stack = await StartAsync();
        // The operator's override in the data directory: a "B" that dies at once.
        var broken = stack.Root.Of("server-data", "agent-binaries", "restic-manager-agent-linux-amd64");
        Directory.CreateDirectory(Path.GetDirectoryName(broken)!);
        await File.WriteAllTextAsync(broken, "#!/bin/sh\necho 'this build is broken' >&2\nexit 1\n");
        await File.WriteAllTextAsync(broken + ".version", "9.9.9-broken\n");
        var (id, executable, agent) = await RunOldAgentAsync(stack, "upd3");
        var old = await File.ReadAllBytesAsync(executable);

        (await stack.Admin.PostAsync($"/api/v1/hosts/{id}/update", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var host = await WaitForHostAsync(stack, id, h => h.GetProperty("update") is { ValueKind: JsonValueKind.Object } u && u.Str("state") == "failed",
            "the failed update reported");
        var update = host.GetProperty("update");
        update.Str("version").ShouldBe("9.9.9-broken");
        update.Str("error").ShouldContain("exited with status 1");
        update.Str("error").ShouldContain("this build is broken");
        host.Str("agentVersion").ShouldBe(OldAgent.Version);
        host.Str("status").ShouldBe("online", "A reconnected after the failed trial");
        (await File.ReadAllBytesAsync(executable)).SequenceEqual(old).ShouldBeTrue("A stays in place");
        File.Exists(executable + ".new").ShouldBeFalse();
        Directory.Exists($"/proc/{agent.Id}").ShouldBeTrue();
    }

    private async Task<PublishedStack> StartAsync()
    {
        var stack = await PublishedStack.StartAsync(tree, new Dictionary<string, string?> { ["Updates__EvaluateEvery"] = "00:00:01" });
        using var manual = await stack.Admin.PutAsJsonAsync("/api/v1/agent-updates", new { mode = "manual" });
        manual.StatusCode.ShouldBe(HttpStatusCode.OK);
        return stack;
    }

    /// <summary>Enrolls <paramref name="hostname"/> (through <paramref name="server"/> when given) and runs agent A from a copy it may replace.</summary>
    private static async Task<(string Id, string Executable, ChildProcess Agent)> RunOldAgentAsync(PublishedStack stack, string hostname, string? server = null)
    {
        var config = await stack.EnrollAsync(hostname, await Api.EnrollmentTokenAsync(stack.Admin), server);
        var executable = stack.Root.Of("agents", hostname, "bin", "restic-manager-agent");
        Directory.CreateDirectory(Path.GetDirectoryName(executable)!);
        File.Copy(await OldAgent.ExecutableAsync(), executable);
        var agent = stack.RunAgentFrom(executable, config);
        var host = (await Api.WaitForHostsAsync(stack.Admin, h => h.Any(x => x.Str("hostname") == hostname && x.Str("status") == "online"), Patience, hostname + " online"))
            .Single(h => h.Str("hostname") == hostname);
        host.Str("agentVersion").ShouldBe(OldAgent.Version);
        host.GetProperty("agentOutdated").GetBoolean().ShouldBeTrue();
        return (host.Str("id"), executable, agent);
    }

    /// <summary>A repository initialised on <paramref name="host"/> and a plan backing up 3 MiB there at 512 KiB/s.</summary>
    private static async Task<string> SlowPlanAsync(PublishedStack stack, string host)
    {
        using var created = await stack.Admin.PostAsJsonAsync("/api/v1/repositories",
            new { name = "main", url = stack.Root.Of("repo"), password = BackupApi.RepoPassword, init = true, initHost = host });
        var body = await created.JsonAsync();
        created.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
        var init = await BackupApi.WaitForJobAsync(stack.Admin, body.Str("initJob"), Patience);
        init.Str("status").ShouldBe("succeeded", init.ToString());
        var source = stack.Root.Of("sources", host);
        Directory.CreateDirectory(source);
        var big = new byte[3 * 1024 * 1024];
        Random.Shared.NextBytes(big);
        await File.WriteAllBytesAsync(Path.Join(source, "big.bin"), big);
        return await BackupApi.CreatePlanAsync(stack.Admin, new Dictionary<string, object?>
        {
            ["name"] = "slow", ["repositoryId"] = body.Str("id"), ["hosts"] = new[] { host }, ["paths"] = new[] { source },
            ["schedule"] = "0 0 3 * * ?", ["timeZone"] = "UTC", ["limitUploadKiB"] = 512,
        });
    }

    private static async Task<JsonElement> WaitForHostAsync(PublishedStack stack, string id, Func<JsonElement, bool> condition, string what) =>
        (await Api.WaitForHostsAsync(stack.Admin, h => h.Any(x => x.Str("id") == id && condition(x)), Patience, what)).Single(h => h.Str("id") == id);

    private static string Config(PublishedStack stack, string hostname) => stack.Root.Of("agents", hostname, "agent.json");
}
