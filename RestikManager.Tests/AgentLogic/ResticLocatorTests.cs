using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using RestikManager.Agent.Restic;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.AgentLogic;

/// <summary>
/// Which restic the agent runs, against the real server in-process on Kestrel: its own restic (a script that answers
/// <c>restic version</c> as restic does) is fetched once, kept, and not fetched again while unchanged; a server that is
/// away or serves none changes nothing. The end-to-end case with real restic is <c>ServedResticTests</c>.
/// </summary>
public sealed class ResticLocatorTests : IDisposable
{
    private const string Script = "#!/bin/sh\necho 'restic 0.17.3 compiled with go1.23.3 on linux/amd64'\n";
    private readonly TempDir _state = new("rm-locator");

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task AServerThatIsAwayLeavesThePathRestic()
    {
        var locator = new ResticLocator(null, _state.Path, NullLogger.Instance);

        await locator.RefreshAsync($"http://127.0.0.1:{ClosedPort()}", "linux", "amd64", CancellationToken.None);

        (locator.Path, locator.Source).ShouldBe(("restic", "path"));
        Directory.Exists(_state.Of("restic")).ShouldBeFalse("nothing is written");
    }

    [Fact]
    public async Task TheServersResticIsKeptOnceAndAConfiguredPathWinsOverIt()
    {
        using var server = ServerFactory.OnKestrel();
        server.BundledDir.Write("restic/restic-linux-amd64", Script);
        var url = server.ClientOptions.BaseAddress.ToString();
        var locator = new ResticLocator(null, _state.Path, NullLogger.Instance);

        await locator.RefreshAsync(url, "linux", "amd64", CancellationToken.None);
        var kept = _state.Of("restic", "restic");
        (locator.Path, locator.Source).ShouldBe((kept, "server"));
        (await File.ReadAllTextAsync(kept)).ShouldBe(Script);
        var written = File.GetLastWriteTimeUtc(kept);
        await Task.Delay(50);
        await locator.RefreshAsync(url, "linux", "amd64", CancellationToken.None);
        File.GetLastWriteTimeUtc(kept).ShouldBe(written, "unchanged on the server: not fetched again");

        var configured = new ResticLocator("/opt/restic/bin/restic", _state.Path, NullLogger.Instance);
        await configured.RefreshAsync(url, "linux", "amd64", CancellationToken.None);
        (configured.Path, configured.Source).ShouldBe(("/opt/restic/bin/restic", "configured"));
    }

    [Fact]
    public async Task AServerThatServesNoneForThePlatformChangesNothing()
    {
        using var server = ServerFactory.OnKestrel();
        server.BundledDir.Write("restic/restic-linux-amd64", Script);
        var locator = new ResticLocator(null, _state.Path, NullLogger.Instance);

        await locator.RefreshAsync(server.ClientOptions.BaseAddress.ToString(), "linux", "arm64", CancellationToken.None);

        (locator.Path, locator.Source).ShouldBe(("restic", "path"));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
