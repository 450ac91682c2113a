using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using RestikManager.Contracts;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Server.Agents;

/// <summary>
/// One agent connection: a receive loop that enforces the protocol (hello first and once, known types,
/// size limit) and one <see cref="SocketWriter{T}"/>, so only one task ever sends on the socket.
/// Any breach closes this connection with a reason; it never touches any other.
/// </summary>
internal sealed partial class AgentConnection(
    AgentRecord agent, WebSocket socket, AgentConnections connections, AgentPresence presence, AgentStore agents,
    AgentEventRouter events, TimeProvider time, ILogger logger) : IDisposable
{
    public const int HeartbeatSeconds = 15;
    private readonly SocketWriter<ServerMessage> _writer = new(socket, ProtocolJsonContext.Default.ServerMessage, 64, BoundedChannelFullMode.Wait);

    public string AgentId => agent.Id;

    /// <summary>This connection among the agent's connections, on any replica.</summary>
    public string ConnectionId { get; } = Guid.NewGuid().ToString("N")[..16];

    /// <summary>When it was accepted: of two sessions of one agent, the newer wins.</summary>
    public DateTimeOffset ConnectedAt { get; } = time.GetUtcNow();

    /// <summary>Why the connection ended, once <see cref="RunAsync"/> has returned.</summary>
    public string ClosedBecause { get; private set; } = "";

    private bool HasSaidHello { get; set; }

    public async Task RunAsync(CancellationToken stopping)
    {
        using var onStop = stopping.Register(() => Close(WebSocketCloseStatus.EndpointUnavailable, "server shutting down"));
        var writer = _writer.RunAsync();
        (WebSocketCloseStatus Status, string Reason) ended = (WebSocketCloseStatus.Empty, "connection lost");
        try
        {
            ended = await ReceiveLoopAsync();
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            // A fault of ours while handling a message: this connection ends, the server and every other connection go on.
            LogFault(logger, agent.Hostname, agent.Id, e);
            ended = (WebSocketCloseStatus.InternalServerError, "the server failed to handle a message");
        }
        finally
        {
            // Whatever ended the loop, the agent is no longer reachable through this connection.
            connections.Remove(this);
        }

        // A breach or the agent's own close is answered with a close frame; a lost connection is not.
        if (ended.Status == WebSocketCloseStatus.Empty)
        {
            _writer.Complete();
        }
        else
        {
            _writer.Close(ended.Status, ended.Reason);
        }

        if (HasSaidHello)
        {
            presence.Seen(agent.Id, time.GetUtcNow());
        }

        await writer;
        ClosedBecause = _writer.CloseRequest?.Reason ?? ended.Reason;
        LogClosed(logger, agent.Hostname, agent.Id, ClosedBecause);
    }

    /// <summary>Closes this connection with <paramref name="reason"/> (revocation, replacement, shutdown).</summary>
    public void Close(WebSocketCloseStatus status, string reason) => _writer.Close(status, reason);

    public bool TrySend(ServerMessage message) => _writer.TrySend(message);

    private async Task<(WebSocketCloseStatus, string)> ReceiveLoopAsync()
    {
        using var reader = new SocketReader(socket);
        while (true)
        {
            switch (await reader.ReadAsync())
            {
                case Received.Close:
                    return (WebSocketCloseStatus.NormalClosure, "agent closed the connection");
                case Received.TooBig:
                    return (WebSocketCloseStatus.MessageTooBig, $"message larger than {AgentProtocol.MaxMessageBytes} bytes");
                case Received.Binary:
                    return (WebSocketCloseStatus.InvalidMessageType, "only text (JSON) messages are accepted");
            }

            if (Handle(reader.Message.Span) is { } breach)
            {
                return breach;
            }
        }
    }

    private (WebSocketCloseStatus, string)? Handle(ReadOnlySpan<byte> json)
    {
        string? type;
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            type = document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        }
        catch (JsonException)
        {
            return (WebSocketCloseStatus.InvalidPayloadData, "message is not JSON");
        }

        if (type is null || !AgentProtocol.AgentMessageTypes.Contains(type))
        {
            return (WebSocketCloseStatus.InvalidPayloadData, $"unknown message type '{Truncate(type)}'");
        }

        AgentMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.AgentMessage);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            return (WebSocketCloseStatus.InvalidPayloadData, $"malformed {type} message");
        }

        switch (message)
        {
            case Hello when HasSaidHello:
                return (WebSocketCloseStatus.ProtocolError, "hello sent twice");
            case Hello hello when hello.ProtocolVersion != AgentProtocol.Version:
                return (WebSocketCloseStatus.PolicyViolation, $"unsupported protocol version {hello.ProtocolVersion}; this server speaks {AgentProtocol.Version}");
            case Hello hello when !IsPlainHello(hello):
                return (WebSocketCloseStatus.InvalidPayloadData, "malformed hello message");
            case Hello hello:
                HasSaidHello = true;
                var now = time.GetUtcNow();
                // A reconnect storm must not be a write storm: only changed details are written.
                if ((agent.AgentVersion, agent.AgentCommit, agent.Os, agent.Arch, agent.ResticVersion, agent.ResticSource, agent.Allowlist)
                    != (hello.AgentVersion, hello.Commit, hello.Os, hello.Arch, hello.ResticVersion, hello.ResticSource, AgentRecord.Stored(hello)))
                {
                    agents.RecordHello(agent.Id, hello, now);
                }

                presence.Seen(agent.Id, now);
                // The welcome is queued before the session can be found: whatever else is sent to it (an update, a job)
                // comes after the welcome, never before.
                TrySend(new Welcome(AgentProtocol.Version, agent.Id, BuildInfo.Current.Version, HeartbeatSeconds));
                connections.Add(this);
                LogOnline(logger, agent.Hostname, agent.Id, hello.AgentVersion, hello.ResticVersion ?? "none");
                events.Online(agent, hello, now);
                return null;
            case not null when !HasSaidHello:
                return (WebSocketCloseStatus.ProtocolError, "the first message must be hello");
            case Heartbeat:
                presence.Seen(agent.Id, time.GetUtcNow());
                return null;
            case not null when MessageRules.Problem(message) is { } problem:
                return (WebSocketCloseStatus.InvalidPayloadData, $"malformed {type} message: {problem}");
            case not null:
                return events.Received(agent.Id, message) is { } breach ? (breach.Status, breach.Reason) : null;
            default:
                return (WebSocketCloseStatus.InvalidPayloadData, "unknown or missing message type");
        }
    }

    public void Dispose() => _writer.Dispose();

    // What the server stores and logs from a hello must be short, printable text.
    private static bool IsPlainHello(Hello hello) =>
        new[] { hello.AgentVersion, hello.Commit, hello.BuildDate, hello.Os, hello.Arch, hello.Hostname }.All(v => WireValues.IsPlainText(v))
        && (hello.ResticVersion is null || WireValues.IsPlainText(hello.ResticVersion))
        && hello.ResticSource is null or ResticSources.Configured or ResticSources.Server or ResticSources.Path;

    private static string Truncate(string? value) => value is null ? "" : value.Length <= 40 ? value : value[..40] + "…";

    [LoggerMessage(20, LogLevel.Information, "Agent {Hostname} ({AgentId}) online: agent {AgentVersion}, restic {ResticVersion}")]
    private static partial void LogOnline(ILogger logger, string hostname, string agentId, string agentVersion, string resticVersion);

    [LoggerMessage(22, LogLevel.Error, "Agent {Hostname} ({AgentId}): the server failed to handle a message; connection closed")]
    private static partial void LogFault(ILogger logger, string hostname, string agentId, Exception exception);

    [LoggerMessage(21, LogLevel.Information, "Agent {Hostname} ({AgentId}) offline: {Reason}")]
    private static partial void LogClosed(ILogger logger, string hostname, string agentId, string reason);
}
