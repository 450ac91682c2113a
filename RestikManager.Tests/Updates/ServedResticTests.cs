using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Updates;

/// <summary>
/// A host with no restic of its own runs the one the server carries (Debian's restic stands in for the pinned release):
/// downloaded, verified and kept in the agent's state directory, replaced when the server's changes, and a served
/// file that does not run as restic is never taken.
/// </summary>
[Collection(PublishedTreeGroup.Name)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class ServedResticTests(PublishedTree tree)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>The agent's PATH: no restic anywhere on it.</summary>
    private static readonly Dictionary<string, string?> NoResticOnPath = new() { ["PATH"] = "/nonexistent" };

    [Fact]
    public async Task AHostWithoutResticBacksUpWithTheServersAndFollowsItsChanges()
    {
        await using var stack = await PublishedStack.StartAsync(tree);
        var served = stack.Root.Of("server-data", "restic", "restic-linux-amd64");
        Directory.CreateDirectory(Path.GetDirectoryName(served)!);
        File.Copy(ResticOnThisMachine(), served);
        var config = await stack.EnrollAsync("nores");
        var kept = Path.Join(PublishedStack.StateDir(config), "restic", "restic");

        var agent = stack.RunAgentFrom(stack.AgentExecutable, config, NoResticOnPath);
        var host = await OnlineAsync(stack, h => h.Str("resticSource") == "server");
        host.Str("resticVersion").ShouldNotBeNullOrEmpty();
        var servedBytes = await File.ReadAllBytesAsync(served);
        (await File.ReadAllBytesAsync(kept)).ShouldBe(servedBytes, "the served bytes are kept");
        agent.Output.ShouldContain($"from the server (SHA-256 {Sha256(served)})");

        using (var created = await stack.Admin.PostAsJsonAsync("/api/v1/repositories",
                   new { name = "main", url = stack.Root.Of("repo"), password = BackupApi.RepoPassword, init = true, initHost = "nores" }))
        {
            var body = await created.JsonAsync();
            created.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
            (await BackupApi.WaitForJobAsync(stack.Admin, body.Str("initJob"), Patience)).Str("status").ShouldBe("succeeded");
            var source = stack.Root.Of("sources");
            Directory.CreateDirectory(source);
            await File.WriteAllTextAsync(Path.Join(source, "a.txt"), "protected by the server's restic");
            var plan = await BackupApi.CreatePlanAsync(stack.Admin, new Dictionary<string, object?>
            {
                ["name"] = "served", ["repositoryId"] = body.Str("id"), ["hosts"] = new[] { "nores" }, ["paths"] = new[] { source },
                ["schedule"] = "0 0 3 * * ?", ["timeZone"] = "UTC",
            });
            var backup = await BackupApi.RunJobAsync(stack.Admin, new { kind = "backup", planId = plan, host = "nores" });
            backup.Str("status").ShouldBe("succeeded", backup.ToString());
        }

        // The server's restic changes (another build of it): the agent takes it at its next connection.
        var restic = ResticOnThisMachine();
        await File.WriteAllTextAsync(served, $"#!/bin/sh\nexec {restic} \"$@\"\n");
        agent = await RestartAsync(stack, agent, config);
        await agent.WaitForLineAsync(new Regex($"from the server \\(SHA-256 {Sha256(served)}\\)"), Patience);
        (await File.ReadAllTextAsync(kept)).ShouldContain($"exec {restic}");

        // A served file that is not restic is refused, and the one kept goes on being used.
        await File.WriteAllTextAsync(served, "#!/bin/sh\necho 'not restic' >&2\nexit 1\n");
        agent = await RestartAsync(stack, agent, config);
        await agent.WaitForLineAsync(new Regex("was not taken: the download does not run as restic"), Patience);
        await OnlineAsync(stack, h => h.Str("resticSource") == "server" && h.Str("resticVersion") == host.Str("resticVersion"));
        (await File.ReadAllTextAsync(kept)).ShouldContain($"exec {restic}");
        File.Exists(kept + ".new").ShouldBeFalse("the refused download is removed");
    }

    private static async Task<ChildProcess> RestartAsync(PublishedStack stack, ChildProcess agent, string config)
    {
        agent.Signal(15);
        (await agent.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, agent.Output);
        return stack.RunAgentFrom(stack.AgentExecutable, config, NoResticOnPath);
    }

    private static async Task<System.Text.Json.JsonElement> OnlineAsync(PublishedStack stack, Func<System.Text.Json.JsonElement, bool> condition) =>
        (await Api.WaitForHostsAsync(stack.Admin, h => h.Any(x => x.Str("hostname") == "nores" && x.Str("status") == "online" && condition(x)),
            Patience, "nores online with the server's restic")).Single(h => h.Str("hostname") == "nores");

    private static string ResticOnThisMachine() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Join(d, "restic")).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("restic is not installed; ./test.sh installs it (apt-get install restic)");

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
