using System.Net;
using System.Net.WebSockets;
using System.Text;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Audit;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Agents;

/// <summary>The agent WebSocket over real Kestrel: admission, hello, presence, and every protocol breach.</summary>
public sealed class AgentChannelTests(SharedKestrelServer shared) : IDisposable, IClassFixture<SharedKestrelServer>
{
    internal const string Hello = """{"type":"hello","protocolVersion":2,"agentVersion":"1.2.3","commit":"abc1234","buildDate":"2026-01-01","os":"linux","arch":"amd64","hostname":"web1","resticVersion":"0.14.0"}""";
    private readonly Lazy<ServerFactory> _own = new(() => ServerFactory.OnKestrel());

    // Each case that connects an agent has its own server, started when first used; refusals ask a shared one.
    private ServerFactory Own => _own.Value;

    public void Dispose()
    {
        if (_own.IsValueCreated)
        {
            _own.Value.Dispose();
        }
    }

    [Fact]
    public async Task HelloIsWelcomedAndTheHostIsOnlineWithItsVersions()
    {
        // The server serves agent 1.2.4 for linux/amd64: this 1.2.3 agent is outdated against it (not against the server's own version).
        var binary = Path.Join(Own.BundledDir.Path, "agent-binaries", "restic-manager-agent-linux-amd64");
        Directory.CreateDirectory(Path.GetDirectoryName(binary)!);
        await File.WriteAllTextAsync(binary, "agent bytes");
        await File.WriteAllTextAsync(binary + ".version", "1.2.4\n");
        using var admin = await Api.AdminAsync(Own);
        var (agentId, credential) = await EnrollAsync(admin, "web1");
        using var socket = await ConnectAsync(Own, credential);

        await SendAsync(socket, Hello);
        var welcome = await ReceiveTextAsync(socket);

        welcome.ShouldContain("\"type\":\"welcome\"");
        welcome.ShouldContain($"\"agentId\":\"{agentId}\"");
        var host = (await Api.WaitForHostsAsync(admin, h => h[0].GetProperty("status").GetString() == "online", TimeSpan.FromSeconds(10), "online"))[0];
        host.GetProperty("agentVersion").GetString().ShouldBe("1.2.3");
        host.GetProperty("agentCommit").GetString().ShouldBe("abc1234");
        host.GetProperty("resticVersion").GetString().ShouldBe("0.14.0");
        host.GetProperty("agentOutdated").GetBoolean().ShouldBeTrue("the server serves 1.2.4 for linux/amd64");
        host.GetProperty("availableAgentVersion").GetString().ShouldBe("1.2.4");
        host.GetProperty("lastSeenAt").GetString().ShouldNotBeNull();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer rma_never-issued")]
    [InlineData("Bearer rmt_an-api-token")]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    public async Task UnknownCredentialsAreRefusedAndAudited(string? authorization)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (authorization is not null)
        {
            socket.Options.SetRequestHeader("Authorization", authorization);
        }

        await Should.ThrowAsync<WebSocketException>(() => socket.ConnectAsync(WsUri(shared.Server), CancellationToken.None));

        socket.HttpStatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        shared.Server.Audit(out var entries).ShouldBeNull();
        entries.ShouldContain(e => e.Action == "agent.connect" && e.Outcome == "denied");
    }

    [Fact]
    public async Task PlainHttpGetIsAskedForAWebSocket()
    {
        using var http = shared.Server.CreateClient();

        using var response = await http.GetAsync("/agent/ws");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.JsonAsync()).GetProperty("error").GetProperty("code").GetString().ShouldBe("websocket_required");
    }

    [Fact]
    public async Task OversizedMessageIsRefused()
    {
        using var admin = await Api.AdminAsync(Own);
        var (_, credential) = await EnrollAsync(admin, "web1");
        using var socket = await ConnectAsync(Own, credential);

        var big = Encoding.UTF8.GetBytes($"{{\"type\":\"hello\",\"pad\":\"{new string('x', 70_000)}\"}}");
        await socket.SendAsync(big, WebSocketMessageType.Text, true, CancellationToken.None);

        var (status, reason) = await ReceiveCloseAsync(socket);
        status.ShouldBe(WebSocketCloseStatus.MessageTooBig);
        reason.ShouldBe("message larger than 65536 bytes");
    }

    [Fact]
    public async Task BinaryMessagesAreRefused()
    {
        using var admin = await Api.AdminAsync(Own);
        var (_, credential) = await EnrollAsync(admin, "web1");
        using var socket = await ConnectAsync(Own, credential);

        await socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);

        (await ReceiveCloseAsync(socket)).Status.ShouldBe(WebSocketCloseStatus.InvalidMessageType);
    }

    [Fact]
    public async Task RevocationClosesTheLiveConnectionAndKeepsTheAgentOut()
    {
        using var admin = await Api.AdminAsync(Own);
        var (agentId, credential) = await EnrollAsync(admin, "web1");
        using var socket = await ConnectAsync(Own, credential);
        await SendAsync(socket, Hello);
        await ReceiveTextAsync(socket);

        (await admin.PostAsync($"/api/v1/hosts/{agentId}/revoke", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var (status, reason) = await ReceiveCloseAsync(socket);
        status.ShouldBe(WebSocketCloseStatus.PolicyViolation);
        reason.ShouldBe("credential revoked");
        using var again = await ConnectAsync(Own, credential, expectAccepted: false);
        (await Api.HostsAsync(admin))[0].GetProperty("status").GetString().ShouldBe("revoked");
        using var twice = await admin.PostAsync($"/api/v1/hosts/{agentId}/revoke", null);
        twice.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await admin.PostAsync("/api/v1/hosts/no-such-host/revoke", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AConnectedCredentialReplacedByReEnrollmentIsDroppedAndRefused()
    {
        using var admin = await Api.AdminAsync(Own);
        var (agentId, oldCredential) = await EnrollAsync(admin, "web1");
        using var socket = await ConnectAsync(Own, oldCredential);
        await SendAsync(socket, Hello);
        await ReceiveTextAsync(socket);

        using var replaced = await EnrollmentTests.Enroll(Own.CreateClient(), await Api.EnrollmentTokenAsync(admin), "web1", replace: true);

        (await replaced.JsonAsync()).GetProperty("agentId").GetString().ShouldBe(agentId);
        (await ReceiveCloseAsync(socket)).Description.ShouldBe("credential replaced by a new enrollment");
        using var again = await ConnectAsync(Own, oldCredential, expectAccepted: false);
        using var fresh = await ConnectAsync(Own, (await replaced.JsonAsync()).GetProperty("credential").GetString()!);
        fresh.State.ShouldBe(WebSocketState.Open);
    }

    [Fact]
    public async Task ClosingTheConnectionMakesTheHostOffline()
    {
        using var admin = await Api.AdminAsync(Own);
        var (_, credential) = await EnrollAsync(admin, "web1");
        using (var socket = await ConnectAsync(Own, credential))
        {
            await SendAsync(socket, Hello);
            await ReceiveTextAsync(socket);
            await Api.WaitForHostsAsync(admin, h => h[0].GetProperty("status").GetString() == "online", TimeSpan.FromSeconds(10), "online");
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        }

        var host = (await Api.WaitForHostsAsync(admin, h => h[0].GetProperty("status").GetString() == "offline", TimeSpan.FromSeconds(10), "offline"))[0];
        host.GetProperty("lastSeenAt").GetString().ShouldNotBeNull();
    }

    [Fact]
    public async Task ASecondConnectionOfTheSameAgentReplacesTheFirst()
    {
        using var admin = await Api.AdminAsync(Own);
        var (_, credential) = await EnrollAsync(admin, "web1");
        using var first = await ConnectAsync(Own, credential);
        await SendAsync(first, Hello);
        await ReceiveTextAsync(first);

        using var second = await ConnectAsync(Own, credential);
        await SendAsync(second, Hello);
        await ReceiveTextAsync(second);

        (await ReceiveCloseAsync(first)).Description.ShouldBe("replaced by a newer connection from the same agent");
        second.State.ShouldBe(WebSocketState.Open);
        (await Api.HostsAsync(admin))[0].GetProperty("status").GetString().ShouldBe("online");
    }

    private Task<(string AgentId, string Credential)> EnrollAsync(HttpClient admin, string hostname) => Api.EnrollAsync(Own, admin, hostname);

    internal static Uri WsUri(ServerFactory server) =>
        new($"ws://{server.ClientOptions.BaseAddress.Authority}/agent/ws");

    internal static async Task<ClientWebSocket> ConnectAsync(ServerFactory server, string credential, bool expectAccepted = true)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {credential}");
        socket.Options.CollectHttpResponseDetails = true;
        if (expectAccepted)
        {
            await socket.ConnectAsync(WsUri(server), CancellationToken.None);
        }
        else
        {
            await Should.ThrowAsync<WebSocketException>(() => socket.ConnectAsync(WsUri(server), CancellationToken.None));
            socket.HttpStatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        return socket;
    }

    internal static Task SendAsync(WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Messages up to and including the first that <paramref name="last"/> matches (10 s at most each).</summary>
    internal static async Task<List<string>> HeardUntilAsync(WebSocket socket, Func<string, bool> last)
    {
        var heard = new List<string>();
        while (true)
        {
            var message = await ReceiveTextAsync(socket);
            heard.Add(message);
            if (last(message))
            {
                return heard;
            }
        }
    }

    internal static async Task<string> ReceiveTextAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var reader = new SocketReader(socket);
        (await reader.ReadAsync(timeout.Token)).ShouldBe(Received.Text, socket.CloseStatusDescription);
        return Encoding.UTF8.GetString(reader.Message.Span);
    }

    internal static async Task<(WebSocketCloseStatus? Status, string? Description)> ReceiveCloseAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var reader = new SocketReader(socket);
        while (await reader.ReadAsync(timeout.Token) != Received.Close)
        {
        }

        return (socket.CloseStatus, socket.CloseStatusDescription);
    }
}
