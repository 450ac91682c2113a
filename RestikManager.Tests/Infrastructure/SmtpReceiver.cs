namespace RestikManager.Tests.Infrastructure;

/// <summary>A real SMTP server (Debian's python3-aiosmtpd) on a free loopback port, keeping what it receives in a maildir (which it creates).</summary>
internal sealed class SmtpReceiver : IDisposable
{
    private readonly TempDir _maildir = new("rm-maildir");
    private readonly ChildProcess _process;

    private SmtpReceiver(int port)
    {
        Port = port;
        _process = ChildProcess.Start("/usr/bin/python3",
            ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox", _maildir.Of("mail")]);
    }

    public int Port { get; }

    public static async Task<SmtpReceiver> StartAsync()
    {
        var receiver = new SmtpReceiver(PublishedStack.FreePort());
        await Eventually.TrueAsync(() => receiver.Listening(), TimeSpan.FromSeconds(20), "aiosmtpd listening", () => receiver._process.Output);
        return receiver;
    }

    /// <summary>The raw messages received so far.</summary>
    public IReadOnlyList<string> Messages =>
        [.. new[] { "new", "cur" }.Select(d => _maildir.Of("mail", d)).Where(Directory.Exists).SelectMany(Directory.GetFiles).Select(File.ReadAllText)];

    private bool Listening()
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            client.Connect(System.Net.IPAddress.Loopback, Port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _process.Dispose();
        _maildir.Dispose();
    }
}
