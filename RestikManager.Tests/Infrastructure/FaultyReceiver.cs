using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RestikManager.Tests.Infrastructure;

/// <summary>
/// A receiver that misbehaves for real on a loopback port: it closes every connection at once, or accepts and never
/// says a word, or speaks TLS with a self-signed certificate (and then nothing). The other end of the delivery fault tests.
/// </summary>
internal sealed class FaultyReceiver : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _held = [];
    private readonly Task _accepting;
    private readonly Behaviour _behaviour;
    private int _connections;

    public enum Behaviour
    {
        /// <summary>Accepts and closes at once.</summary>
        Closes,

        /// <summary>Accepts and says nothing, ever.</summary>
        Hangs,

        /// <summary>Completes a TLS handshake with a self-signed certificate, then says nothing.</summary>
        SelfSignedTls,
    }

    private FaultyReceiver(Behaviour behaviour)
    {
        _behaviour = behaviour;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public static FaultyReceiver Start(Behaviour behaviour) => new(behaviour);

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many connections it has accepted.</summary>
    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptAsync()
    {
        using var certificate = _behaviour == Behaviour.SelfSignedTls ? SelfSigned() : null;
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            switch (_behaviour)
            {
                case Behaviour.Closes:
                    client.Dispose();
                    break;
                case Behaviour.Hangs:
                    lock (_held)
                    {
                        _held.Add(client);
                    }

                    break;
                default:
                    _ = HandshakeAsync(client, certificate!);
                    break;
            }
        }
    }

    private async Task HandshakeAsync(TcpClient client, X509Certificate2 certificate)
    {
        lock (_held)
        {
            _held.Add(client);
        }

        try
        {
            var tls = new SslStream(client.GetStream());
            await tls.AuthenticateAsServerAsync(certificate, clientCertificateRequired: false, checkCertificateRevocation: false);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            // The client refused our certificate: that is the point.
        }
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // An exportable copy: SslStream on Linux needs the key in a form it can use.
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pfx), null);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        lock (_held)
        {
            _held.ForEach(c => c.Dispose());
        }

        _stop.Dispose();
    }
}
