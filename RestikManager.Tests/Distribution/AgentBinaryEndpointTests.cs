using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Distribution;

public sealed class AgentBinaryEndpointTests(SharedServer shared) : IDisposable, IClassFixture<SharedServer>
{
    private const string LinuxAmd64 = "restic-manager-agent-linux-amd64";
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task ServesBundledBinaryWhenDataDirHasNone()
    {
        _server.BundledDir.Write($"agent-binaries/{LinuxAmd64}", "bundled agent");
        using var client = _server.CreateClient();

        using var response = await client.GetAsync("/agent/binary?os=linux&arch=amd64");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe("bundled agent");
        response.Headers.GetValues("X-Checksum-Sha256").Single().ShouldBe(Sha256("bundled agent"));
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/octet-stream");
    }

    [Fact]
    public async Task ServesDataDirBinaryWhenBundledHasNone()
    {
        _server.DataDir.Write("agent-binaries/restic-manager-agent-windows-amd64.exe", "operator agent");
        using var client = _server.CreateClient();

        using var response = await client.GetAsync("/agent/binary?os=windows&arch=amd64");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe("operator agent");
    }

    [Fact]
    public async Task DataDirBinaryShadowsBundledOne()
    {
        _server.BundledDir.Write($"agent-binaries/{LinuxAmd64}", "bundled agent");
        _server.DataDir.Write($"agent-binaries/{LinuxAmd64}", "hot-patched agent");
        using var client = _server.CreateClient();

        using var response = await client.GetAsync("/agent/binary?os=linux&arch=amd64");

        (await response.Content.ReadAsStringAsync()).ShouldBe("hot-patched agent");
        response.Headers.GetValues("X-Checksum-Sha256").Single().ShouldBe(Sha256("hot-patched agent"));
    }

    [Fact]
    public async Task MissingEverywhereIsBinaryNotPublished()
    {
        using var client = _server.CreateClient();

        using var response = await client.GetAsync("/agent/binary?os=linux&arch=arm64");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await ErrorCode(response)).ShouldBe("binary_not_published");
    }

    [Theory]
    [InlineData("os=mac&arch=amd64")]
    [InlineData("os=windows&arch=arm64")]
    [InlineData("os=linux&arch=x86")]
    [InlineData("os=linux")]
    [InlineData("arch=amd64")]
    [InlineData("")]
    [InlineData("os=../../etc&arch=amd64")]
    [InlineData("os=LINUX&arch=AMD64")]
    public async Task UnknownPlatformIsInvalidPlatform(string query)
    {
        // Refusals change nothing: every row asks one shared server, which serves a linux-amd64 agent.
        if (!File.Exists(shared.Server.BundledDir.Of("agent-binaries", LinuxAmd64)))
        {
            shared.Server.BundledDir.Write($"agent-binaries/{LinuxAmd64}", "bundled agent");
        }

        using var client = shared.Server.CreateClient();

        using var response = await client.GetAsync($"/agent/binary?{query}");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ErrorCode(response)).ShouldBe("invalid_platform");
    }

    [Fact]
    public async Task HeadAnswersHeadersWithoutBody()
    {
        _server.BundledDir.Write($"agent-binaries/{LinuxAmd64}", "bundled agent");
        using var client = _server.CreateClient();

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/agent/binary?os=linux&arch=amd64"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentLength.ShouldBe("bundled agent".Length);
        response.Headers.GetValues("X-Checksum-Sha256").Single().ShouldBe(Sha256("bundled agent"));
        (await response.Content.ReadAsByteArrayAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task RangeResumesADownload()
    {
        _server.BundledDir.Write($"agent-binaries/{LinuxAmd64}", "0123456789");
        using var client = _server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/agent/binary?os=linux&arch=amd64");
        request.Headers.Range = new RangeHeaderValue(4, null);

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.PartialContent);
        (await response.Content.ReadAsStringAsync()).ShouldBe("456789");
        response.Content.Headers.ContentRange!.ToString().ShouldBe("bytes 4-9/10");
    }

    [Fact]
    public async Task UnsatisfiableRangeIs416()
    {
        _server.BundledDir.Write($"agent-binaries/{LinuxAmd64}", "0123456789");
        using var client = _server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/agent/binary?os=linux&arch=amd64");
        request.Headers.Range = new RangeHeaderValue(50, 60);

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestedRangeNotSatisfiable);
    }

    [Fact]
    public async Task ETagIsTheSha256AndRevalidates()
    {
        _server.BundledDir.Write($"agent-binaries/{LinuxAmd64}", "bundled agent");
        using var client = _server.CreateClient();
        using var first = await client.GetAsync("/agent/binary?os=linux&arch=amd64");
        var etag = first.Headers.ETag!;
        etag.Tag.ShouldBe($"\"{Sha256("bundled agent")}\"");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/agent/binary?os=linux&arch=amd64");
        request.Headers.IfNoneMatch.Add(etag);
        using var second = await client.SendAsync(request);

        second.StatusCode.ShouldBe(HttpStatusCode.NotModified);
    }

    [Fact]
    public async Task IfRangeWithAStaleETagSendsTheWholeNewFile()
    {
        _server.BundledDir.Write($"agent-binaries/{LinuxAmd64}", "new build of the agent");
        using var client = _server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/agent/binary?os=linux&arch=amd64");
        request.Headers.Range = new RangeHeaderValue(4, null);
        request.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue($"\"{Sha256("old build")}\""));

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe("new build of the agent");
    }

    [Fact]
    public async Task ChecksumFollowsAReplacedFile()
    {
        var path = _server.DataDir.Write($"agent-binaries/{LinuxAmd64}", "first");
        using var client = _server.CreateClient();
        using (var first = await client.GetAsync("/agent/binary?os=linux&arch=amd64"))
        {
            first.Headers.GetValues("X-Checksum-Sha256").Single().ShouldBe(Sha256("first"));
        }

        await File.WriteAllTextAsync(path, "second build");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));

        using var second = await client.GetAsync("/agent/binary?os=linux&arch=amd64");
        second.Headers.GetValues("X-Checksum-Sha256").Single().ShouldBe(Sha256("second build"));
    }

    internal static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

    internal static async Task<string> ErrorCode(HttpResponseMessage response)
    {
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        json.RootElement.GetProperty("error").GetProperty("message").GetString().ShouldNotBeNullOrWhiteSpace();
        return json.RootElement.GetProperty("error").GetProperty("code").GetString()!;
    }
}
