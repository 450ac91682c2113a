using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;

namespace RestikManager.Contracts.Protocol;

/// <summary>
/// The one writer of a WebSocket, used by both ends of the agent channel. Messages queue on a bounded
/// channel and <see cref="RunAsync"/> sends them in order; <see cref="Close"/> sends a close frame after
/// what is queued, and a peer that does not answer within the grace period is cut off (the socket aborts).
/// </summary>
public sealed class SocketWriter<T> : IDisposable where T : class
{
    private readonly WebSocket _socket;
    private readonly JsonTypeInfo<T> _type;
    private readonly Channel<T> _queue;
    private readonly TimeSpan _grace;
    private readonly CancellationTokenSource _abort = new();
    private readonly CancellationTokenRegistration _abortOnTimeout;
    private readonly Lock _gate = new();
    private (WebSocketCloseStatus Status, string Reason)? _close;

    public SocketWriter(WebSocket socket, JsonTypeInfo<T> type, int capacity, BoundedChannelFullMode fullMode, TimeSpan? grace = null)
    {
        ArgumentNullException.ThrowIfNull(socket);
        _socket = socket;
        _type = type;
        _grace = grace ?? TimeSpan.FromSeconds(5);
        _queue = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = fullMode });
        _abortOnTimeout = _abort.Token.Register(socket.Abort);
    }

    /// <summary>The first close asked for, if any: its status and reason.</summary>
    public (WebSocketCloseStatus Status, string Reason)? CloseRequest
    {
        get
        {
            lock (_gate)
            {
                return _close;
            }
        }
    }

    /// <summary>Queues <paramref name="message"/>; false when the queue is closed (or full, in Wait mode).</summary>
    public bool TrySend(T message) => _queue.Writer.TryWrite(message);

    /// <summary>Asks for a close with <paramref name="reason"/>; the first call wins, later ones change nothing.</summary>
    public void Close(WebSocketCloseStatus status, string reason)
    {
        lock (_gate)
        {
            _close ??= (status, reason);
        }

        _queue.Writer.TryComplete();
        try
        {
            _abort.CancelAfter(_grace);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Ends the queue without a close frame: the connection is already gone.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>Sends until the queue ends, then the close frame if one was asked for.</summary>
    public async Task RunAsync()
    {
        try
        {
            await foreach (var message in _queue.Reader.ReadAllAsync())
            {
                var bytes = JsonSerializer.SerializeToUtf8Bytes(message, _type);
                await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, _abort.Token);
            }

            if (CloseRequest is { } close && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(close.Status, close.Reason, _abort.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
    }

    public void Dispose()
    {
        _abortOnTimeout.Dispose();
        _abort.Dispose();
    }
}
