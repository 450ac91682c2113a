using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using RestikManager.Agent.Connection;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Swarm;

/// <summary>
/// One protocol-level agent: connect, hello, wait for welcome, heartbeat, reconnect with backoff. What the server sends
/// is ignored, except that a working agent (<c>--mode progress</c>) runs each job it is sent: started, a progress
/// message a second for <see cref="JobSeconds"/> seconds (its current file says when it was sent, in Unix
/// milliseconds: <c>/sent-at/…</c>), then a result.
/// </summary>
internal static class SimulatedAgent
{
    public const int JobSeconds = 20;

    public static async Task RunAsync(
        IReadOnlyList<Uri> servers, string credential, string hostname, SwarmStats stats, CancellationToken cancellationToken, bool works = false)
    {
        var backoff = Backoff.Default();
        var uris = servers.Select(server => new UriBuilder(server) { Scheme = server.Scheme == "https" ? "wss" : "ws", Path = AgentProtocol.WebSocketPath }.Uri).ToArray();
        var current = 0;
        var hello = JsonSerializer.SerializeToUtf8Bytes<AgentMessage>(
            new Hello(AgentProtocol.Version, "0.0.0-swarm", "none", "unknown", "linux", "amd64", hostname, "0.14.0"), ProtocolJsonContext.Default.AgentMessage);
        // Spread the first connections over a few seconds, as hosts booting at different times would.
        await Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 5000)), cancellationToken);
        var attempt = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var welcomed = await SessionAsync(uris[current], credential, hello, stats, works, cancellationToken);
            attempt = welcomed ? 0 : attempt + 1;
            if (!welcomed)
            {
                // A server that does not answer: the next one (what a load balancer does for a real agent).
                stats.Failed();
                current = (current + 1) % uris.Length;
            }

            await Delay(backoff.Delay(attempt), cancellationToken);
        }
    }

    private static async Task<bool> SessionAsync(Uri uri, string credential, byte[] hello, SwarmStats stats, bool works, CancellationToken cancellationToken)
    {
        using var socket = new ClientWebSocket();
        using var sending = new SemaphoreSlim(1);
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

                    if (works && JsonSerializer.Deserialize(reader.Message.Span, ProtocolJsonContext.Default.ServerMessage) is RunJob run)
                    {
                        _ = WorkAsync(run.Job, message => SendAsync(socket, sending, message, cancellationToken), cancellationToken);
                    }

                    receive = reader.ReadAsync(cancellationToken).AsTask();
                }

                await SendAsync(socket, sending, new Heartbeat(DateTimeOffset.UtcNow), cancellationToken);
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

    /// <summary>One message at a time on the socket (a WebSocket allows one send in flight).</summary>
    private static async Task SendAsync(ClientWebSocket socket, SemaphoreSlim sending, AgentMessage message, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, ProtocolJsonContext.Default.AgentMessage);
        await sending.WaitAsync(cancellationToken);
        try
        {
            await socket.SendAsync(bytes, WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            sending.Release();
        }
    }

    private static async Task WorkAsync(JobSpec job, Func<AgentMessage, Task> send, CancellationToken cancellationToken)
    {
        try
        {
            var started = DateTimeOffset.UtcNow;
            await send(new JobStarted(job.JobId, job.Kind, job.RepositoryId, job.Trigger, job.PlanId, started));
            const long total = 20L << 20;
            for (var second = 1; second <= JobSeconds; second++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                await send(new JobProgress(job.JobId, second / (double)JobSeconds, second * 10, JobSeconds * 10, total * second / JobSeconds, total, 0,
                    second, JobSeconds - second, $"/sent-at/{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}"));
            }

            await send(new JobResult(job.JobId, job.Kind, job.RepositoryId, job.Trigger, job.PlanId, JobStatuses.Succeeded, started, DateTimeOffset.UtcNow, 0));
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The session ended: a real agent would resend the result from its outbox; the benchmark only measures progress.
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
