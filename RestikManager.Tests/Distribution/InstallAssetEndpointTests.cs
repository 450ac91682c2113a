using System.Net;
using RestikManager.Tests.Infrastructure;
using static RestikManager.Tests.Distribution.AgentBinaryEndpointTests;

namespace RestikManager.Tests.Distribution;

public sealed class InstallAssetEndpointTests : IDisposable
{
    private const string Sentinel = "SENTINEL-outside-the-roots";
    private readonly ServerFactory _server = new();

    public InstallAssetEndpointTests()
    {
        _server.BundledDir.Write("install/install.sh", "#!/bin/sh\nserver_url=\"@@RM_SERVER_URL@@\"\n");
        _server.BundledDir.Write("install/install.ps1", "$Server = '@@RM_SERVER_URL@@'\n");
        _server.BundledDir.Write("install/restic-manager-agent.service", "[Unit]\nDocumentation=@@RM_SERVER_URL@@\n");
        // Files a traversal would reach: beside and above both roots, and inside them under other names.
        _server.DataDir.Write("secret-notes.txt", Sentinel);
        _server.BundledDir.Write("SHA256SUMS", Sentinel);
        _server.BundledDir.Write("agent-binaries/restic-manager-agent-linux-amd64", Sentinel);
        File.WriteAllText(Path.Join(Path.GetDirectoryName(_server.BundledDir.Path)!, $"{Path.GetFileName(_server.BundledDir.Path)}.txt"), Sentinel);
    }

    public void Dispose()
    {
        File.Delete(Path.Join(Path.GetDirectoryName(_server.BundledDir.Path)!, $"{Path.GetFileName(_server.BundledDir.Path)}.txt"));
        _server.Dispose();
    }

    [Fact]
    public async Task FillsInTheServerUrlFromTheRequest()
    {
        using var client = _server.CreateClient();

        using var response = await client.GetAsync("/install/install.sh");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadAsStringAsync();
        body.ShouldBe("#!/bin/sh\nserver_url=\"http://localhost\"\n");
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/x-shellscript");
        response.Headers.GetValues("X-Checksum-Sha256").Single().ShouldBe(Sha256(body));
    }

    [Fact]
    public async Task FillsInTheConfiguredBaseUrl()
    {
        using var server = new ServerFactory(new() { ["RM_BASE_URL"] = "https://backup.example.org/rm/" });
        server.BundledDir.Write("install/install.ps1", "$Server = '@@RM_SERVER_URL@@'\n");
        using var client = server.CreateClient();

        var body = await client.GetStringAsync("/install/install.ps1");

        body.ShouldBe("$Server = 'https://backup.example.org/rm'\n");
    }

    [Fact]
    public async Task DataDirAssetShadowsBundledOne()
    {
        _server.DataDir.Write("install/restic-manager-agent.service", "[Unit]\nDescription=patched\n");
        using var client = _server.CreateClient();

        (await client.GetStringAsync("/install/restic-manager-agent.service")).ShouldBe("[Unit]\nDescription=patched\n");
    }

    [Fact]
    public async Task KnownAssetMissingEverywhereIsNotFound()
    {
        File.Delete(_server.BundledDir.Of("install", "install.ps1"));
        using var client = _server.CreateClient();

        using var response = await client.GetAsync("/install/install.ps1");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await ErrorCode(response)).ShouldBe("not_found");
    }

    [Fact]
    public async Task RangeAndETagApplyToTheServedScript()
    {
        using var client = _server.CreateClient();
        using var full = await client.GetAsync("/install/install.sh");
        var etag = full.Headers.ETag!;

        using var ranged = new HttpRequestMessage(HttpMethod.Get, "/install/install.sh");
        ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 8);
        using var part = await client.SendAsync(ranged);
        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/install/install.sh");
        conditional.Headers.IfNoneMatch.Add(etag);
        using var notModified = await client.SendAsync(conditional);

        part.StatusCode.ShouldBe(HttpStatusCode.PartialContent);
        (await part.Content.ReadAsStringAsync()).ShouldBe("#!/bin/sh");
        notModified.StatusCode.ShouldBe(HttpStatusCode.NotModified);
    }
}
