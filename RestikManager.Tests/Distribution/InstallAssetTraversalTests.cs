using System.Net;
using RestikManager.Tests.Infrastructure;
using static RestikManager.Tests.Distribution.AgentBinaryEndpointTests;

namespace RestikManager.Tests.Distribution;

/// <summary>
/// Hostile names for <c>/install/{name}</c>, sent over a real socket exactly as written (Kestrel, not
/// the in-memory test server, so its own decoding and dot-segment handling are part of what is tested).
/// </summary>
public sealed class InstallAssetTraversalTests(InstallAssetTraversalTests.Roots roots) : IClassFixture<InstallAssetTraversalTests.Roots>
{
    private const string Sentinel = "SENTINEL-outside-the-roots";
    private readonly ServerFactory _server = roots.Server;

    /// <summary>One server for every name: each request only reads, so none can disturb another.</summary>
    public sealed class Roots : IDisposable
    {
        private readonly string _besideRoots;

        public Roots()
        {
            Server = ServerFactory.OnKestrel();
            Server.BundledDir.Write("install/install.sh", "#!/bin/sh\n");
            Server.DataDir.Write("secret-notes.txt", Sentinel);
            Server.BundledDir.Write("SHA256SUMS", Sentinel);
            Server.BundledDir.Write("agent-binaries/restic-manager-agent-linux-amd64", Sentinel);
            _besideRoots = Path.Join(Path.GetDirectoryName(Server.BundledDir.Path)!, "passwd");
            File.WriteAllText(_besideRoots, Sentinel);
        }

        internal ServerFactory Server { get; }

        public void Dispose()
        {
            File.Delete(_besideRoots);
            Server.Dispose();
        }
    }

    [Theory]
    [InlineData("..%2fsecret-notes.txt")]
    [InlineData("..%2Fsecret-notes.txt")]
    [InlineData("%2e%2e%2fsecret-notes.txt")]
    [InlineData("%252e%252e%252fsecret-notes.txt")]
    [InlineData("..%5csecret-notes.txt")]
    [InlineData("..\\secret-notes.txt")]
    [InlineData("%2fetc%2fpasswd")]
    [InlineData("%2Ftmp%2Fpasswd")]
    [InlineData("install.sh%2f")]
    [InlineData("C:%5cWindows%5cwin.ini")]
    [InlineData("..%2f..%2fagent-binaries%2frestic-manager-agent-linux-amd64")]
    [InlineData("install/install.sh")]
    [InlineData("install//install.sh")]
    [InlineData("x/y")]
    [InlineData("~root")]
    [InlineData("install.sh;ls")]
    public async Task PathLikeNamesAreInvalidName(string name)
    {
        using var response = await Send($"/install/{name}");

        var body = await response.Content.ReadAsStringAsync();
        body.ShouldNotContain(Sentinel);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
        (await ErrorCode(response)).ShouldBe("invalid_name");
    }

    [Theory]
    [InlineData("/install/install.sh%00.txt")]
    [InlineData("/install/install.sh%00")]
    [InlineData("/install/%00")]
    public async Task NulInThePathIsRefusedBeforeRouting(string path)
    {
        using var response = await Send(path);

        (await response.Content.ReadAsStringAsync()).ShouldNotContain(Sentinel);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("SHA256SUMS")]
    [InlineData("restic-manager-agent-linux-amd64")]
    [InlineData("secret-notes.txt")]
    [InlineData("passwd")]
    [InlineData("INSTALL.SH")]
    public async Task PlainNamesOutsideTheKnownSetAreNotFound(string name)
    {
        using var response = await Send($"/install/{name}");

        (await response.Content.ReadAsStringAsync()).ShouldNotContain(Sentinel);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await ErrorCode(response)).ShouldBe("not_found");
    }

    [Theory]
    [InlineData("/install/../secret-notes.txt")]
    [InlineData("/install/../agent-binaries/restic-manager-agent-linux-amd64")]
    [InlineData("/install/%2e%2e/SHA256SUMS")]
    [InlineData("/install/./../../passwd")]
    [InlineData("/install/%2e%2e/%2e%2e/passwd")]
    [InlineData("/install")]
    [InlineData("/install/")]
    [InlineData("//etc/passwd")]
    public async Task DotSegmentsAndEmptyNamesNeverReachAFile(string path)
    {
        using var response = await Send(path);

        (await response.Content.ReadAsStringAsync()).ShouldNotContain(Sentinel);
        ((int)response.StatusCode).ShouldBeOneOf(400, 404);
        (await ErrorCode(response)).ShouldBeOneOf("not_found", "invalid_name");
    }

    private async Task<HttpResponseMessage> Send(string rawPath)
    {
        using var client = new HttpClient();
        var uri = new Uri($"{_server.ClientOptions.BaseAddress.ToString().TrimEnd('/')}{rawPath}",
            new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        return await client.GetAsync(uri);
    }
}
