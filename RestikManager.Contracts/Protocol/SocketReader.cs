using System.Buffers;
using System.Net.WebSockets;

namespace RestikManager.Contracts.Protocol;

/// <summary>What <see cref="SocketReader.ReadAsync"/> got: a whole text message, the peer's close, or a refusal.</summary>
public enum Received
{
    /// <summary>A whole text message; its bytes are <see cref="SocketReader.Message"/>.</summary>
    Text,

    /// <summary>The peer sent a close frame.</summary>
    Close,

    /// <summary>A binary message (the channel speaks JSON text only).</summary>
    Binary,

    /// <summary>A message longer than the limit; the rest of it was not read.</summary>
    TooBig,
}

/// <summary>
/// The one reader of a WebSocket, used by both ends of the agent channel (beside <see cref="SocketWriter{T}"/>):
/// reassembles a message from its frames into a pooled buffer that grows up to a limit. One reader per socket, one
/// read at a time; <see cref="Message"/> is valid until the next read.
/// A server holds one reader per connected agent, each waiting most of its life for the next heartbeat (under 100
/// bytes), so the buffer starts small and goes back to small after a large message: at 18,000 agents a 4 KiB buffer
/// each was 74 MB of the server's heap (docs/benchmarks.md, "Connections held").
/// </summary>
public sealed class SocketReader(WebSocket socket, int maxBytes = AgentProtocol.MaxMessageBytes) : IDisposable
{
    private const int SmallBytes = 512;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(SmallBytes, maxBytes));
    private int _length;

    /// <summary>The last text message read.</summary>
    public ReadOnlyMemory<byte> Message => _buffer.AsMemory(0, _length);

    public async ValueTask<Received> ReadAsync(CancellationToken cancellationToken = default)
    {
        _length = 0;
        if (_buffer.Length > 8 * SmallBytes)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(SmallBytes, maxBytes));
        }

        ValueWebSocketReceiveResult result;
        do
        {
            if (_length == Math.Min(_buffer.Length, maxBytes))
            {
                if (_length >= maxBytes)
                {
                    return Received.TooBig;
                }

                var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, maxBytes));
                _buffer.AsSpan(0, _length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }

            var room = Math.Min(_buffer.Length, maxBytes) - _length;
            result = await socket.ReceiveAsync(_buffer.AsMemory(_length, room), cancellationToken);
            _length += result.Count;
        }
        while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

        return result.MessageType switch
        {
            WebSocketMessageType.Close => Received.Close,
            WebSocketMessageType.Text => Received.Text,
            _ => Received.Binary,
        };
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _length = 0;
    }
}
