using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Updates;

/// <summary>
/// A rollout's deadline for a host to come back, on a server of its own whose deadline is the shortest the options allow
/// (10 s, waited out once): apart from <see cref="AgentUpdateApiTests"/> so that the two run side by side.
/// </summary>
public sealed class AgentUpdateDeadlineTests
{
    [Fact]
    public async Task AHostThatDoesNotComeBackInTimeFailsItsUpdateAndPausesTheRollout()
    {
        // The shortest deadline the options allow (10 s): the test waits it out once.
        using var server = ServerFactory.OnKestrel(new() { ["Updates:EvaluateEvery"] = "00:00:00.200", ["Updates:ComeBackWithin"] = "00:00:10" });
        var binary = Path.Join(server.BundledDir.Path, "agent-binaries", "restic-manager-agent-linux-amd64");
        Directory.CreateDirectory(Path.GetDirectoryName(binary)!);
        await File.WriteAllBytesAsync(binary, AgentUpdateApiTests.AgentB);
        await File.WriteAllTextAsync(binary + ".version", "2.0.0\n");
        using var admin = await Api.AdminAsync(server);
        var (id, credential) = await Api.EnrollAsync(server, admin, "gone1");
        await using (var agent = await AgentUpdateApiTests.FakeAgent.ConnectAsync(server, credential, "1.0.0"))
        {
            await AgentUpdateApiTests.PutPolicyAsync(admin, new { mode = "automatic", canaryPercent = 100 });
            (await agent.OfferAsync()).Version.ShouldBe("2.0.0");
        }

        // The agent took the offer and was never heard of again.
        await Eventually.TrueAsync(() => AgentUpdateApiTests.StatusAsync(admin).Result.GetProperty("paused").GetBoolean(), TimeSpan.FromSeconds(30), "the rollout pauses");
        (await AgentUpdateApiTests.StatusAsync(admin)).GetProperty("pausedReason").GetString()!.ShouldContain("gone1");
        var update = (await AgentUpdateApiTests.HostAsync(admin, id)).GetProperty("update");
        update.GetProperty("state").GetString().ShouldBe("failed");
        update.GetProperty("error").GetString()!.ShouldStartWith("did not come back on 2.0.0 within");
    }
}
