using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using RestikManager.Agent.Connection;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Swarm;

/// <summary>One protocol-level agent: connect, hello, wait for welcome, heartbeat, ignore what else comes, reconnect with backoff.</summary>
internal static class SimulatedAgent
{
    public static async Task RunAsync(Uri server, string credential, string hostname, SwarmStats stats, CancellationToken cancellationToken)
    {
        var backoff = Backoff.Default();
        var uri = new UriBuilder(server) { Scheme = server.Scheme == "https" ? "wss" : "ws", Path = AgentProtocol.WebSocketPath }.Uri;
        var hello = JsonSerializer.SerializeToUtf8Bytes<AgentMessage>(
            new Hello(AgentProtocol.Version, "0.0.0-swarm", "none", "unknown", "linux", "amd64", hostname, "0.14.0"), ProtocolJsonContext.Default.AgentMessage);
        // Spread the first connections over a few seconds, as hosts booting at different times would.
        await Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 5000)), cancellationToken);
        var attempt = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var welcomed = await SessionAsync(uri, credential, hello, stats, cancellationToken);
            attempt = welcomed ? 0 : attempt + 1;
            if (!welcomed)
            {
                stats.Failed();
            }

            await Delay(backoff.Delay(attempt), cancellationToken);
        }
    }

    private static async Task<bool> SessionAsync(Uri uri, string credential, byte[] hello, SwarmStats stats, CancellationToken cancellationToken)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {credential}");
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        using var reader = new SocketReader(socket);
        var online = false;
        try
        {
            await socket.ConnectAsync(uri, cancellationToken);
            var sent = Stopwatch.GetTimestamp();
            await socket.SendAsync(hello, WebSocketMessageType.Text, true, cancellationToken);
            if (await reader.ReadAsync(cancellationToken) != Received.Text)
            {
                return false;
            }

            var welcome = (Welcome)JsonSerializer.Deserialize(reader.Message.Span, ProtocolJsonContext.Default.ServerMessage)!;
            stats.Welcomed(Stopwatch.GetElapsedTime(sent));
            online = true;
            var receive = reader.ReadAsync(cancellationToken).AsTask();
            var every = TimeSpan.FromSeconds(welcome.HeartbeatSeconds);
            while (true)
            {
                var tick = Task.Delay(every + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 1000)), cancellationToken);
                while (await Task.WhenAny(receive, tick) == receive)
                {
                    // What the server sends after the welcome (the plan set, jobs) is read and let go; a close ends the session.
                    if (await receive != Received.Text)
                    {
                        return true;
                    }

                    receive = reader.ReadAsync(cancellationToken).AsTask();
                }

                var heartbeat = JsonSerializer.SerializeToUtf8Bytes<AgentMessage>(new Heartbeat(DateTimeOffset.UtcNow), ProtocolJsonContext.Default.AgentMessage);
                await socket.SendAsync(heartbeat, WebSocketMessageType.Text, true, cancellationToken);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or HttpRequestException or IOException)
        {
            return online;
        }
        finally
        {
            if (online)
            {
                stats.Dropped();
            }
        }
    }

    private static async Task Delay(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
