using System.Net.WebSockets;
using RestikManager.Tests.Infrastructure;
using static RestikManager.Tests.Agents.AgentChannelTests;

namespace RestikManager.Tests.Agents;

/// <summary>
/// Every breach of the protocol closes only the connection that made it, with a reason. The cases share one server:
/// each enrolls its own pair of hosts, and the server must stay healthy for the next.
/// </summary>
public sealed class ProtocolBreachTests(ProtocolBreachTests.Hub server) : IClassFixture<ProtocolBreachTests.Hub>
{
    /// <summary>One server on Kestrel, signed in as admin.</summary>
    public sealed class Hub : IAsyncLifetime
    {
        internal ServerFactory Server { get; } = ServerFactory.OnKestrel();

        internal HttpClient Admin { get; private set; } = null!;

        public async Task InitializeAsync() => Admin = await Api.AdminAsync(Server);

        public Task DisposeAsync()
        {
            Admin.Dispose();
            Server.Dispose();
            return Task.CompletedTask;
        }
    }

    [Theory]
    [InlineData("not json at all", null, WebSocketCloseStatus.InvalidPayloadData, "message is not JSON")]
    [InlineData("""{"type":"launch-missiles"}""", null, WebSocketCloseStatus.InvalidPayloadData, "unknown message type 'launch-missiles'")]
    [InlineData("""{"no":"type"}""", null, WebSocketCloseStatus.InvalidPayloadData, "unknown message type ''")]
    [InlineData("""{"type":"heartbeat","sentAt":"2026-01-01T00:00:00Z"}""", null, WebSocketCloseStatus.ProtocolError, "the first message must be hello")]
    [InlineData(AgentChannelTests.Hello, AgentChannelTests.Hello, WebSocketCloseStatus.ProtocolError, "hello sent twice")]
    [InlineData("""{"type":"hello","protocolVersion":99,"agentVersion":"9","commit":"x","buildDate":"x","os":"linux","arch":"amd64","hostname":"h"}""", null, WebSocketCloseStatus.PolicyViolation, "unsupported protocol version 99; this server speaks 2")]
    [InlineData("""{"type":"heartbeat","sentAt":"yesterday"}""", "after-hello", WebSocketCloseStatus.InvalidPayloadData, "malformed heartbeat message")]
    [InlineData("""{"type":"hello","protocolVersion":2,"agentVersion":"1\nFAKE LOG LINE","commit":"x","buildDate":"x","os":"linux","arch":"amd64","hostname":"h"}""", null, WebSocketCloseStatus.InvalidPayloadData, "malformed hello message")]
    [InlineData("""{"type":"hello","protocolVersion":2,"commit":"x","buildDate":"x","os":"linux","arch":"amd64","hostname":"h"}""", null, WebSocketCloseStatus.InvalidPayloadData, "malformed hello message")]
    [InlineData("""{"type":"hello","protocolVersion":2,"agentVersion":"1","commit":"x","buildDate":"x","os":"linux","arch":"amd64","hostname":"h","resticSource":"elsewhere"}""", null, WebSocketCloseStatus.InvalidPayloadData, "malformed hello message")]
    [InlineData("""{"type":"updateFailed","failure":{"version":"2.0.0","reason":"","at":"2026-01-01T00:00:00Z"}}""", "after-hello", WebSocketCloseStatus.InvalidPayloadData, "malformed updateFailed message: bad update failure")]
    [InlineData("""{"type":"activeJobs","jobIds":null}""", "after-hello", WebSocketCloseStatus.InvalidPayloadData, "malformed activeJobs message")]
    [InlineData("""{"type":"activeJobs"}""", "after-hello", WebSocketCloseStatus.InvalidPayloadData, "malformed activeJobs message: bad job ids")]
    [InlineData("""{"type":"activeJobs","jobIds":[null]}""", "after-hello", WebSocketCloseStatus.InvalidPayloadData, "malformed activeJobs message: bad job ids")]
    [InlineData("""{"type":"queryReply","queryId":null,"done":true}""", "after-hello", WebSocketCloseStatus.InvalidPayloadData, "malformed queryReply message")]
    [InlineData("""{"type":"queryReply","done":true}""", "after-hello", WebSocketCloseStatus.InvalidPayloadData, "malformed queryReply message: bad query id")]
    [InlineData("""{"type":"jobStarted","jobId":"j1","kind":"backup","repositoryId":"r1","trigger":null,"startedAt":"2026-01-01T00:00:00Z"}""", "after-hello", WebSocketCloseStatus.InvalidPayloadData, "malformed jobStarted message")]
    [InlineData("""{"type":"jobStarted","jobId":"j1","kind":"backup","repositoryId":"r1","startedAt":"2026-01-01T00:00:00Z"}""", "after-hello", WebSocketCloseStatus.InvalidPayloadData, "malformed jobStarted message: unknown trigger")]
    [InlineData("""{"type":"jobResult","jobId":"j1","kind":"backup","repositoryId":"r1","trigger":null,"status":"succeeded","startedAt":"2026-01-01T00:00:00Z","finishedAt":"2026-01-01T00:00:00Z"}""", "after-hello", WebSocketCloseStatus.InvalidPayloadData, "malformed jobResult message")]
    [InlineData("""{"type":"jobResult","jobId":"j1","kind":"backup","repositoryId":"r1","trigger":"schedule","planId":"../etc","status":"succeeded","startedAt":"2026-01-01T00:00:00Z","finishedAt":"2026-01-01T00:00:00Z"}""", "after-hello", WebSocketCloseStatus.InvalidPayloadData, "malformed jobResult message: bad plan id")]
    [InlineData("""{"type":"jobResult","jobId":"j1","kind":"backup","repositoryId":"r1","trigger":"schedule","status":"running","startedAt":"2026-01-01T00:00:00Z","finishedAt":"2026-01-01T00:00:00Z"}""", "after-hello", WebSocketCloseStatus.InvalidPayloadData, "malformed jobResult message: not a final status")]
    [InlineData("""{"type":"jobProgress","percentDone":0.5}""", "after-hello", WebSocketCloseStatus.InvalidPayloadData, "malformed jobProgress message: bad job id")]
    public async Task ProtocolBreachesCloseOnlyThatConnectionWithAReason(string first, string? second, WebSocketCloseStatus status, string reason)
    {
        var admin = server.Admin;
        var bad = "bad-" + Guid.NewGuid().ToString("N")[..8];
        var (_, credential) = await Api.EnrollAsync(server.Server, admin, bad);
        var (_, goodCredential) = await Api.EnrollAsync(server.Server, admin, "good-" + Guid.NewGuid().ToString("N")[..8]);
        using var good = await ConnectAsync(server.Server, goodCredential);
        await SendAsync(good, Hello);
        await ReceiveTextAsync(good);
        using var socket = await ConnectAsync(server.Server, credential);

        if (second == "after-hello")
        {
            await SendAsync(socket, Hello);
            await ReceiveTextAsync(socket);
            await SendAsync(socket, first);
        }
        else
        {
            await SendAsync(socket, first);
            if (second is not null)
            {
                await ReceiveTextAsync(socket);
                await SendAsync(socket, second);
            }
        }

        var (closeStatus, description) = await ReceiveCloseAsync(socket);
        closeStatus.ShouldBe(status);
        description.ShouldBe(reason);
        await SendAsync(good, """{"type":"heartbeat","sentAt":"2026-01-01T00:00:00Z"}""");
        good.State.ShouldBe(WebSocketState.Open);
        (await server.Server.CreateClient().GetStringAsync("/health")).ShouldBe("Healthy");
        // No ghost: the closed connection is gone, so the host is offline and nothing can be sent to it.
        await Api.WaitForHostsAsync(admin, h => h.Single(x => x.GetProperty("hostname").GetString() == bad).GetProperty("status").GetString() == "offline",
            TimeSpan.FromSeconds(10), "bad host offline");
    }

}
