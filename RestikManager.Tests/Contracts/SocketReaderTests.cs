using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Tests.Contracts;

/// <summary>The one WebSocket reader of both ends, over a real WebSocket on a loopback TCP connection.</summary>
public sealed class SocketReaderTests : IAsyncLifetime, IDisposable
{
    private TcpListener? _listener;
    private TcpClient? _client;
    private TcpClient? _accepted;
    private WebSocket _sender = null!;
    private WebSocket _receiver = null!;

    public async Task InitializeAsync()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _client = new TcpClient();
        var accepting = _listener.AcceptTcpClientAsync();
        await _client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)_listener.LocalEndpoint).Port);
        _accepted = await accepting;
        _sender = WebSocket.CreateFromStream(_client.GetStream(), new WebSocketCreationOptions { IsServer = false });
        _receiver = WebSocket.CreateFromStream(_accepted.GetStream(), new WebSocketCreationOptions { IsServer = true });
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _sender.Dispose();
        _receiver.Dispose();
        _client?.Dispose();
        _accepted?.Dispose();
        _listener?.Dispose();
    }

    [Fact]
    public async Task AMessageInSeveralFramesIsReadWholeAndTheBufferGrowsForItAndShrinksAfter()
    {
        var parts = new[] { new string('a', 3000), new string('b', 5000), new string('c', 9000) };
        for (var i = 0; i < parts.Length; i++)
        {
            await _sender.SendAsync(Encoding.UTF8.GetBytes(parts[i]), WebSocketMessageType.Text, i == parts.Length - 1, default);
        }

        await _sender.SendAsync("next"u8.ToArray(), WebSocketMessageType.Text, true, default);
        await _sender.SendAsync(Encoding.UTF8.GetBytes(new string('d', 6000)), WebSocketMessageType.Text, true, default);
        using var reader = new SocketReader(_receiver);

        (await reader.ReadAsync()).ShouldBe(Received.Text);
        Encoding.UTF8.GetString(reader.Message.Span).ShouldBe(string.Concat(parts));
        (await reader.ReadAsync()).ShouldBe(Received.Text);
        Encoding.UTF8.GetString(reader.Message.Span).ShouldBe("next");
        (await reader.ReadAsync()).ShouldBe(Received.Text, "the buffer went back to small after the large message, and grows again");
        Encoding.UTF8.GetString(reader.Message.Span).ShouldBe(new string('d', 6000));
    }

    [Fact]
    public async Task AMessageOverTheLimitIsRefusedWithoutReadingItAll()
    {
        await _sender.SendAsync(new byte[1000], WebSocketMessageType.Text, false, default);
        await _sender.SendAsync(new byte[1000], WebSocketMessageType.Text, true, default);
        using var reader = new SocketReader(_receiver, maxBytes: 1500);

        (await reader.ReadAsync()).ShouldBe(Received.TooBig);
        reader.Message.Length.ShouldBe(1500);
    }

    [Fact]
    public async Task AMessageOfExactlyTheLimitIsAccepted()
    {
        await _sender.SendAsync(new byte[1500], WebSocketMessageType.Text, true, default);
        using var reader = new SocketReader(_receiver, maxBytes: 1500);

        (await reader.ReadAsync()).ShouldBe(Received.Text);
        reader.Message.Length.ShouldBe(1500);
    }

    [Fact]
    public async Task BinaryAndCloseAreToldApart()
    {
        await _sender.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, default);
        await _sender.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", default);
        using var reader = new SocketReader(_receiver);

        (await reader.ReadAsync()).ShouldBe(Received.Binary);
        (await reader.ReadAsync()).ShouldBe(Received.Close);
        _receiver.CloseStatusDescription.ShouldBe("bye");
    }
}
