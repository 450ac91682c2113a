using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RestikManager.Contracts.Protocol;
using RestikManager.Tests.Agents;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Updates;

/// <summary>
/// The server's side of agent updates over real Kestrel and WebSockets, with agents played by the test: which agent is
/// outdated, the policy (manual, off, automatic with canaries), "update now", and failures that pause a rollout.
/// The agent's side (download, verify, trial, replace, roll back) is <see cref="AgentSelfUpdateTests"/>.
/// </summary>
public sealed class AgentUpdateApiTests : IDisposable
{
    internal static readonly byte[] AgentB = Encoding.UTF8.GetBytes("the bytes of agent 2.0.0");
    private readonly ServerFactory _server = ServerFactory.OnKestrel(new()
    {
        ["Updates:EvaluateEvery"] = "00:00:00.200",
    });

    public AgentUpdateApiTests()
    {
        var binary = Path.Join(_server.BundledDir.Path, "agent-binaries", "restic-manager-agent-linux-amd64");
        Directory.CreateDirectory(Path.GetDirectoryName(binary)!);
        File.WriteAllBytes(binary, AgentB);
        File.WriteAllText(binary + ".version", "2.0.0\n");
    }

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task ManualUpdateOffersTheServedAgentWithItsDigestAndTheHostIsDoneWhenItIsBack()
    {
        using var admin = await Api.AdminAsync(_server);
        await PutPolicyAsync(admin, new { mode = "manual" });
        var (id, credential) = await Api.EnrollAsync(_server, admin, "web1");
        await using (var agent = await FakeAgent.ConnectAsync(_server, credential, "1.0.0"))
        {
            (await HostAsync(admin, id)).GetProperty("agentOutdated").GetBoolean().ShouldBeTrue();
            (await agent.HoldsNoOfferAsync()).ShouldBeTrue("manual: nothing is offered by itself");

            using var response = await admin.PostAsync($"/api/v1/hosts/{id}/update", null);
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
            (await response.JsonAsync()).GetProperty("version").GetString().ShouldBe("2.0.0");

            var offer = await agent.OfferAsync();
            offer.Version.ShouldBe("2.0.0");
            offer.Sha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(AgentB)));
            offer.Size.ShouldBe(AgentB.Length);
            (await HostAsync(admin, id)).GetProperty("update").GetProperty("state").GetString().ShouldBe("sent");
        }

        await using var updated = await FakeAgent.ConnectAsync(_server, credential, "2.0.0");
        await Eventually.TrueAsync(() => HostAsync(admin, id).Result.GetProperty("update").GetProperty("state").GetString() == "done",
            TimeSpan.FromSeconds(10), "the host's update is done once it is back on 2.0.0");
        var host = await HostAsync(admin, id);
        host.GetProperty("agentOutdated").GetBoolean().ShouldBeFalse();
        host.GetProperty("update").GetProperty("version").GetString().ShouldBe("2.0.0");
        await ShouldRefuseAsync(admin, $"/api/v1/hosts/{id}/update", HttpStatusCode.Conflict, "up_to_date");
    }

    [Fact]
    public async Task UpdateNowRefusesWhatCannotBeUpdatedAndChangesNothing()
    {
        using var admin = await Api.AdminAsync(_server);
        var (id, credential) = await Api.EnrollAsync(_server, admin, "web1");
        await PutPolicyAsync(admin, new { mode = "manual" });

        await ShouldRefuseAsync(admin, "/api/v1/hosts/nosuchhost/update", HttpStatusCode.NotFound, "not_found");
        await ShouldRefuseAsync(admin, $"/api/v1/hosts/{id}/update", HttpStatusCode.Conflict, "host_offline");

        await using var agent = await FakeAgent.ConnectAsync(_server, credential, "1.0.0");
        await PutPolicyAsync(admin, new { mode = "off" });
        await ShouldRefuseAsync(admin, $"/api/v1/hosts/{id}/update", HttpStatusCode.Conflict, "updates_off");

        await PutPolicyAsync(admin, new { mode = "manual" });
        var version = Path.Join(_server.BundledDir.Path, "agent-binaries", "restic-manager-agent-linux-amd64.version");
        File.Delete(version);
        await ShouldRefuseAsync(admin, $"/api/v1/hosts/{id}/update", HttpStatusCode.Conflict, "version_unknown");
        await Eventually.TrueAsync(() => !HostAsync(admin, id).Result.GetProperty("agentOutdated").GetBoolean(), TimeSpan.FromSeconds(10),
            "an agent served without a stated version makes no host outdated");

        (await HostAsync(admin, id)).TryGetProperty("update", out var update).ShouldBeTrue();
        update.ValueKind.ShouldBe(JsonValueKind.Null, "no refusal recorded an update");
        (await agent.HoldsNoOfferAsync()).ShouldBeTrue();

        using var viewer = await ViewerAsync(admin);
        using var forbidden = await viewer.PostAsync($"/api/v1/hosts/{id}/update", null);
        forbidden.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("""{"mode":"sometimes"}""", "mode")]
    [InlineData("""{"canaryPercent":101}""", "canaryPercent")]
    [InlineData("""{"canaryPercent":-1}""", "canaryPercent")]
    [InlineData("""{"canaryLabel":"a\u0007b"}""", "canaryLabel")]
    public async Task ABadPolicyIsA400NamingTheFieldAndChangesNothing(string body, string field)
    {
        using var admin = await Api.AdminAsync(_server);
        var before = await StatusAsync(admin);

        using var response = await admin.PutAsync("/api/v1/agent-updates", new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = (await response.JsonAsync()).GetProperty("error");
        error.GetProperty("code").GetString().ShouldBe("invalid_policy");
        error.GetProperty("field").GetString().ShouldBe(field);
        (await StatusAsync(admin)).ToString().ShouldBe(before.ToString());
    }

    [Fact]
    public async Task AStagedRolloutUpdatesTheCanariesFirstThenTheRestAndAFailurePausesIt()
    {
        using var admin = await Api.AdminAsync(_server);
        await PutPolicyAsync(admin, new { mode = "off" });
        var hosts = new List<(string Id, string Name, string Credential)>();
        for (var i = 0; i < 10; i++)
        {
            var (id, credential) = await Api.EnrollAsync(_server, admin, $"host{i:00}");
            hosts.Add((id, $"host{i:00}", credential));
        }

        var agents = new Dictionary<string, FakeAgent>();
        try
        {
            foreach (var (id, _, credential) in hosts)
            {
                agents[id] = await FakeAgent.ConnectAsync(_server, credential, "1.0.0");
            }

            (await agents.Values.First().HoldsNoOfferAsync()).ShouldBeTrue("off: nothing is offered");
            await PutPolicyAsync(admin, new { mode = "automatic", canaryPercent = 20 });

            // Two canaries (20 % of 10) are offered the update; the other eight wait for them.
            await Eventually.TrueAsync(() => agents.Values.Count(a => a.Offered) == 2, TimeSpan.FromSeconds(10), "two canaries offered");
            (await StatusAsync(admin)).GetProperty("phase").GetString().ShouldBe("canaries");
            (await agents.Values.First(a => !a.Offered).HoldsNoOfferAsync()).ShouldBeTrue("the rest wait for the canaries");
            agents.Values.Count(a => a.Offered).ShouldBe(2);

            // The canaries come back on 2.0.0: the rest follow.
            foreach (var id in agents.Where(a => a.Value.Offered).Select(a => a.Key).ToList())
            {
                await agents[id].DisposeAsync();
                agents[id] = await FakeAgent.ConnectAsync(_server, hosts.Single(h => h.Id == id).Credential, "2.0.0");
            }

            await Eventually.TrueAsync(() => agents.Values.Count(a => a.Offered) == 8, TimeSpan.FromSeconds(10), "the other eight offered");

            // One of them comes back on 1.0.0 and says why the update failed: the rollout pauses and says so.
            var failing = agents.First(a => a.Value.Offered).Key;
            var name = hosts.Single(h => h.Id == failing).Name;
            await agents[failing].DisposeAsync();
            agents[failing] = await FakeAgent.ConnectAsync(_server, hosts.Single(h => h.Id == failing).Credential, "1.0.0",
                new UpdateFailure("2.0.0", "the new agent exited with status 1 in its trial run", DateTimeOffset.UtcNow));

            await Eventually.TrueAsync(() => StatusAsync(admin).Result.GetProperty("paused").GetBoolean(), TimeSpan.FromSeconds(10), "the rollout pauses");
            var status = await StatusAsync(admin);
            status.GetProperty("phase").GetString().ShouldBe("paused");
            status.GetProperty("pausedReason").GetString()!.ShouldContain(name);
            status.GetProperty("pausedReason").GetString()!.ShouldContain("exited with status 1");
            var update = (await HostAsync(admin, failing)).GetProperty("update");
            update.GetProperty("state").GetString().ShouldBe("failed");
            update.GetProperty("error").GetString().ShouldBe("the new agent exited with status 1 in its trial run");
            (await agents[failing].HoldsNoOfferAsync()).ShouldBeTrue("a paused rollout offers nothing, and never the version that failed");

            // Resumed: the failed host is not offered the same version again by the rollout.
            await PutPolicyAsync(admin, new { resume = true });
            (await StatusAsync(admin)).GetProperty("paused").GetBoolean().ShouldBeFalse();
            (await agents[failing].HoldsNoOfferAsync()).ShouldBeTrue();
        }
        finally
        {
            foreach (var agent in agents.Values)
            {
                await agent.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task AFailureOfAnUpdateNeverOfferedChangesNothing()
    {
        // An agent may only speak for the update it was offered: a made-up failure neither marks the host nor pauses the fleet.
        using var admin = await Api.AdminAsync(_server);
        var (id, credential) = await Api.EnrollAsync(_server, admin, "liar1");
        await using var agent = await FakeAgent.ConnectAsync(_server, credential, "1.0.0",
            new UpdateFailure("7.7.7", "an update that never was", DateTimeOffset.UtcNow));

        (await agent.OfferAsync()).Version.ShouldBe("2.0.0", "the automatic rollout goes on and offers the served agent");
        (await StatusAsync(admin)).GetProperty("paused").GetBoolean().ShouldBeFalse();
        var update = (await HostAsync(admin, id)).GetProperty("update");
        (update.GetProperty("version").GetString(), update.GetProperty("state").GetString()).ShouldBe(("2.0.0", "sent"));
    }

    internal static async Task PutPolicyAsync(HttpClient admin, object policy)
    {
        using var response = await admin.PutAsJsonAsync("/api/v1/agent-updates", policy);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    internal static async Task<JsonElement> StatusAsync(HttpClient admin)
    {
        using var response = await admin.GetAsync("/api/v1/agent-updates");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await response.JsonAsync();
    }

    internal static async Task<JsonElement> HostAsync(HttpClient admin, string id) =>
        (await Api.HostsAsync(admin)).Single(h => h.GetProperty("id").GetString() == id);

    private static async Task ShouldRefuseAsync(HttpClient admin, string path, HttpStatusCode status, string code)
    {
        using var response = await admin.PostAsync(path, null);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetString().ShouldBe(code);
    }

    private async Task<HttpClient> ViewerAsync(HttpClient admin)
    {
        using var created = await admin.PostAsJsonAsync("/api/v1/users", new { username = "watcher", password = "long-enough-password", role = "viewer" });
        created.IsSuccessStatusCode.ShouldBeTrue(await created.Content.ReadAsStringAsync());
        var http = _server.CreateClient();
        return http.WithBearer(await Api.TokenAsync(http, "watcher", "long-enough-password"));
    }

    /// <summary>An agent played by the test: says hello with a version, and keeps every update offer it receives.</summary>
    internal sealed class FakeAgent : IAsyncDisposable
    {
        private readonly ClientWebSocket _socket;
        private readonly ConcurrentQueue<UpdateAgent> _offers = new();
        private readonly Task _reading;

        private FakeAgent(ClientWebSocket socket)
        {
            _socket = socket;
            _reading = ReadAsync();
        }

        public bool Offered => !_offers.IsEmpty;

        public static async Task<FakeAgent> ConnectAsync(ServerFactory server, string credential, string version, UpdateFailure? failed = null)
        {
            var socket = await AgentChannelTests.ConnectAsync(server, credential);
            var hello = new Hello(AgentProtocol.Version, version, "abc1234", "2026-01-01", "linux", "amd64", "host", "0.14.0", failed);
            await AgentChannelTests.SendAsync(socket, JsonSerializer.Serialize<AgentMessage>(hello, ProtocolJsonContext.Default.AgentMessage));
            var welcome = await AgentChannelTests.ReceiveTextAsync(socket);
            welcome.ShouldContain("\"type\":\"welcome\"");
            return new FakeAgent(socket);
        }

        public async Task<UpdateAgent> OfferAsync()
        {
            await Eventually.TrueAsync(() => Offered, TimeSpan.FromSeconds(10), "an update offer");
            _offers.TryPeek(out var offer).ShouldBeTrue();
            return offer!;
        }

        /// <summary>True when no offer arrives within a second (five rollout passes).</summary>
        public async Task<bool> HoldsNoOfferAsync()
        {
            _offers.Clear();
            await Task.Delay(TimeSpan.FromMilliseconds(600));
            return _offers.IsEmpty;
        }

        private async Task ReadAsync()
        {
            using var reader = new SocketReader(_socket);
            try
            {
                while (await reader.ReadAsync(CancellationToken.None) == Received.Text)
                {
                    if (JsonSerializer.Deserialize(reader.Message.Span, ProtocolJsonContext.Default.ServerMessage) is UpdateAgent offer)
                    {
                        _offers.Enqueue(offer);
                    }
                }
            }
            catch (WebSocketException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
            }

            await _reading;
            _socket.Dispose();
        }
    }
}
