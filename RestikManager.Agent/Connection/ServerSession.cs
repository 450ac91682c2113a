using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using RestikManager.Agent.Config;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Connection;

/// <summary>How a connection ended: whether the server welcomed us, and why it ended.</summary>
internal sealed record SessionOutcome(bool Welcomed, string Reason, bool CredentialRejected);

/// <summary>
/// One connection to the server: hello, welcome, heartbeats. Everything sent goes through one
/// <see cref="SocketWriter{T}"/>, so only one task ever writes to the socket. Without <paramref name="work"/> it is a
/// trial (<c>run --trial</c>): it ends as soon as the server has welcomed the agent.
/// </summary>
internal sealed partial class ServerSession(AgentConfig config, Hello hello, AgentWork? work, TimeProvider time, ILogger logger)
{
    public static Uri WebSocketUri(string server)
    {
        var builder = new UriBuilder(new Uri(new Uri(server.TrimEnd('/') + "/"), AgentProtocol.WebSocketPath.TrimStart('/')));
        builder.Scheme = builder.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        return builder.Uri;
    }

    public async Task<SessionOutcome> RunAsync(CancellationToken cancellationToken)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {config.Credential}");
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(TimeSpan.FromSeconds(30));
            await socket.ConnectAsync(WebSocketUri(config.Server), connectTimeout.Token);
        }
        catch (WebSocketException e) when (socket.HttpStatusCode == HttpStatusCode.Unauthorized)
        {
            return new SessionOutcome(false, $"the server rejected this agent's credential (revoked?); enroll this host again ({e.Message})", true);
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new SessionOutcome(false, $"cannot connect to {config.Server}: {e.Message}", false);
        }

        // Nothing is dropped silently: a full queue refuses (progress and heartbeats are skipped, results stay in the
        // outbox and are sent again).
        using var writer = new SocketWriter<AgentMessage>(socket, ProtocolJsonContext.Default.AgentMessage, 256, BoundedChannelFullMode.Wait);
        using var onStop = cancellationToken.Register(() => writer.Close(WebSocketCloseStatus.NormalClosure, "agent stopping"));
        using var heartbeatStop = new CancellationTokenSource();
        var writing = writer.RunAsync();
        writer.TrySend(hello);
        var welcomed = false;
        Task? heartbeats = null;
        string reason;
        try
        {
            (welcomed, reason, heartbeats) = await ReceiveLoopAsync(socket, writer, heartbeatStop.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            reason = cancellationToken.IsCancellationRequested ? "agent stopping" : $"connection lost: {e.Message}";
        }

        work?.Jobs.Disconnected();
        work?.Updates.Disconnected();
        writer.Close(WebSocketCloseStatus.NormalClosure, "bye");
        await heartbeatStop.CancelAsync();
        await writing;
        if (heartbeats is not null)
        {
            await heartbeats;
        }

        return new SessionOutcome(welcomed, reason, false);
    }

    private async Task<(bool Welcomed, string Reason, Task? Heartbeats)> ReceiveLoopAsync(
        ClientWebSocket socket, SocketWriter<AgentMessage> writer, CancellationToken cancellationToken)
    {
        var welcomed = false;
        Task? heartbeats = null;
        using var reader = new SocketReader(socket);
        while (true)
        {
            var received = await reader.ReadAsync(CancellationToken.None);
            if (received == Received.TooBig)
            {
                writer.Close(WebSocketCloseStatus.MessageTooBig, "message too large");
                return (welcomed, "the server sent a message over the size limit", heartbeats);
            }

            if (received == Received.Close)
            {
                var why = string.IsNullOrEmpty(socket.CloseStatusDescription) ? $"{socket.CloseStatus}" : socket.CloseStatusDescription;
                return (welcomed, $"the server closed the connection: {why}", heartbeats);
            }

            switch (received == Received.Text ? Parse(reader.Message.Span) : null)
            {
                case Welcome welcome when work is null:
                    LogWelcome(logger, config.Server, welcome.AgentId, welcome.ServerVersion);
                    return (true, "trial: welcomed", heartbeats);
                case Welcome welcome:
                    welcomed = true;
                    LogWelcome(logger, config.Server, welcome.AgentId, welcome.ServerVersion);
                    heartbeats ??= HeartbeatLoopAsync(writer, TimeSpan.FromSeconds(Math.Clamp(welcome.HeartbeatSeconds, 1, 300)), cancellationToken);
                    work.Jobs.Connected(writer.TrySend);
                    work.Updates.Connected(writer.TrySend);
                    break;
                case not null when work is null:
                    break;
                case PlanSet plans:
                    work.Plans.Replace(plans.Plans, save: true);
                    break;
                case RunJob run:
                    work.Jobs.Start(run.Job, run.Repository);
                    break;
                case CancelJob cancel:
                    work.Jobs.Cancel(cancel.JobId);
                    break;
                case ResultAck ack:
                    work.Jobs.Acknowledged(ack.JobId, ack.Refused);
                    break;
                case Query query:
                    work.Queries.Answer(query, reply => writer.TrySend(reply), cancellationToken);
                    break;
                case UpdateAgent update:
                    work.Updates.Offer(update);
                    break;
            }
        }
    }

    private ServerMessage? Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.ServerMessage);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            // A newer server may send message types this agent does not know yet.
            LogIgnored(logger, e.Message);
            return null;
        }
    }

    private async Task HeartbeatLoopAsync(SocketWriter<AgentMessage> writer, TimeSpan every, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(every, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                writer.TrySend(new Heartbeat(time.GetUtcNow()));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(2, LogLevel.Information, "Online at {Server} as agent {AgentId} (server {ServerVersion})")]
    private static partial void LogWelcome(ILogger logger, string server, string agentId, string serverVersion);

    [LoggerMessage(3, LogLevel.Debug, "Ignored a server message: {Reason}")]
    private static partial void LogIgnored(ILogger logger, string reason);
}
