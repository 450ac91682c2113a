using System.Net;
using System.Net.Http.Headers;
using RestikManager.Tests.Infrastructure;
using static RestikManager.Tests.Distribution.AgentBinaryEndpointTests;

namespace RestikManager.Tests.Distribution;

/// <summary><c>/restic/binary</c>: the restic a server may carry, looked up and answered as <c>/agent/binary</c> is.</summary>
public sealed class ResticBinaryEndpointTests : IDisposable
{
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task ServesTheBundledResticWithItsChecksumAndTheDataDirectoryShadowsIt()
    {
        _server.BundledDir.Write("restic/restic-linux-amd64", "bundled restic");
        _server.DataDir.Write("restic/restic-windows-amd64.exe", "operator's restic");
        using var client = _server.CreateClient();

        using var linux = await client.GetAsync("/restic/binary?os=linux&arch=amd64");
        using var windows = await client.GetAsync("/restic/binary?os=windows&arch=amd64");

        linux.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await linux.Content.ReadAsStringAsync()).ShouldBe("bundled restic");
        linux.Headers.GetValues("X-Checksum-Sha256").Single().ShouldBe(Sha256("bundled restic"));
        (await windows.Content.ReadAsStringAsync()).ShouldBe("operator's restic");
    }

    [Fact]
    public async Task AnUnchangedResticIsNotSentAgain()
    {
        _server.BundledDir.Write("restic/restic-linux-arm64", "bundled restic");
        using var client = _server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/restic/binary?os=linux&arch=arm64");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{Sha256("bundled restic")}\""));

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.NotModified);
    }

    [Fact]
    public async Task NoneCarriedIsBinaryNotPublishedAndAnAgentIsNeverServedAsRestic()
    {
        _server.BundledDir.Write("agent-binaries/restic-manager-agent-linux-amd64", "an agent");
        using var client = _server.CreateClient();

        using var response = await client.GetAsync("/restic/binary?os=linux&arch=amd64");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await ErrorCode(response)).ShouldBe("binary_not_published");
    }

    [Theory]
    [InlineData("os=mac&arch=amd64")]
    [InlineData("os=linux")]
    [InlineData("os=../restic&arch=amd64")]
    public async Task AnUnknownPlatformIsInvalidPlatform(string query)
    {
        _server.BundledDir.Write("restic/restic-linux-amd64", "bundled restic");
        using var client = _server.CreateClient();

        using var response = await client.GetAsync($"/restic/binary?{query}");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ErrorCode(response)).ShouldBe("invalid_platform");
    }
}
