using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Backups;

/// <summary>The API's edge refuses what it cannot use with an envelope naming the field, and changes nothing.</summary>
/// <remarks>
/// The theories' rows are refusals that change nothing, so they ask one shared server; the other cases start their own
/// (lazily: a row does not pay for one).
/// </remarks>
public sealed class StrictInputTests(SharedKestrelServer shared) : IDisposable, IClassFixture<SharedKestrelServer>
{
    private readonly Lazy<ServerFactory> _own = new(() => ServerFactory.OnKestrel());

    private ServerFactory Own => _own.Value;

    public void Dispose()
    {
        if (_own.IsValueCreated)
        {
            _own.Value.Dispose();
        }
    }

    [Fact]
    public async Task APlanWithoutAScheduleIsSavedForRunNowOnly()
    {
        using var admin = await Api.AdminAsync(Own);
        var repository = await BackupApi.CreateRepositoryAsync(admin, "main", "/srv/restic/main");
        await Api.EnrollAsync(Own, admin, "web1");

        var id = await BackupApi.CreatePlanAsync(admin, new { name = "on demand", repositoryId = repository, hosts = new[] { "web1" }, paths = new[] { "/srv/www" } });

        var plan = await (await admin.GetAsync($"/api/v1/plans/{id}")).JsonAsync();
        plan.Str("schedule").ShouldBe("");
        plan.GetProperty("enabled").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task InitOnCreateNeedsAnOnlineHostAndOtherwiseCreatesNothing()
    {
        using var admin = await Api.AdminAsync(Own);
        await Api.EnrollAsync(Own, admin, "web1");

        using var noneOnline = await admin.PostAsJsonAsync("/api/v1/repositories", new { name = "r", url = "/srv/r", password = "pw", init = true });
        using var offline = await admin.PostAsJsonAsync("/api/v1/repositories", new { name = "r", url = "/srv/r", password = "pw", init = true, initHost = "web1" });

        noneOnline.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await noneOnline.JsonAsync()).GetProperty("error").Str("field").ShouldBe("initHost");
        offline.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await offline.JsonAsync()).GetProperty("error").Str("message").ShouldContain("'web1' is not online");
        (await (await admin.GetAsync("/api/v1/repositories")).JsonAsync()).GetArrayLength().ShouldBe(0);
        var created = await BackupApi.CreateRepositoryAsync(admin, "r", "/srv/r");
        using var put = await admin.PutAsJsonAsync($"/api/v1/repositories/{created}", new { init = true });
        put.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await put.JsonAsync()).GetProperty("error").Str("field").ShouldBe("init");
    }

    [Theory]
    [InlineData("/srv/../etc", "/etc")]
    [InlineData("/srv/x/", "/srv/x")]
    [InlineData("relative", null)]
    public async Task ARestoreTargetMustBeCanonicalAndTheAnswerSaysWhatToWrite(string target, string? canonical)
    {
        using var admin = await Api.AdminAsync(shared.Server);
        var repositories = await (await admin.GetAsync("/api/v1/repositories")).JsonAsync();
        var repository = repositories.EnumerateArray().FirstOrDefault(r => r.Str("name") == "main") is { ValueKind: System.Text.Json.JsonValueKind.Object } known
            ? known.Str("id") : await BackupApi.CreateRepositoryAsync(admin, "main", "/srv/restic/main");

        using var response = await admin.PostAsJsonAsync("/api/v1/jobs", new { kind = "restore", repositoryId = repository, host = "web1", snapshotId = "abcdef12", target });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = (await response.JsonAsync()).GetProperty("error");
        error.Str("field").ShouldBe("target");
        error.Str("message").ShouldContain(canonical is null ? "not an absolute path" : $"write '{canonical}'");
        (await BackupApi.JobsAsync(admin)).ShouldBeEmpty();
    }

    [Fact]
    public async Task AnOversizedEnrollmentIsA413EnvelopeAndNoServerError()
    {
        using var http = Own.CreateClient();
        var body = $"{{\"token\":\"rme_x\",\"hostname\":\"{new string('a', 20_000)}\"}}";

        using var response = await http.PostAsync("/agent/enroll", new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await response.JsonAsync()).GetProperty("error").Str("code").ShouldBe("body_too_large");
        Own.Logs.All.ShouldNotContain("unhandled exception", Case.Insensitive);
        Own.Logs.Lines.ShouldNotContain(l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal));
    }

    // Kestrel itself refuses some malformed Host headers with a bare 400 before the app sees them; the rest reach the
    // app, which must refuse them too (invalid_host).
    [Theory]
    [InlineData("evil.example$(id)", "invalid_host")]
    [InlineData("evil.example`id`", null)]
    [InlineData("evil\"example", null)]
    [InlineData("a b", null)]
    public async Task AMalformedHostHeaderIsA400AndBuildsNoUrl(string host, string? code)
    {
        using var admin = await Api.AdminAsync(shared.Server);
        var token = await Api.TokenAsync(shared.Server.CreateClient());
        var port = shared.Server.ClientOptions.BaseAddress.Port;

        var script = await RawRequestAsync(port, "/install/install.sh", host, null);
        var enrollment = await RawRequestAsync(port, "/api/v1/enrollment-tokens", host, token, post: true);

        script.ShouldStartWith("HTTP/1.1 400");
        enrollment.ShouldStartWith("HTTP/1.1 400");
        if (code is not null)
        {
            script.ShouldContain(code);
            enrollment.ShouldContain(code);
        }

        (await (await admin.GetAsync("/api/v1/enrollment-tokens")).JsonAsync()).GetArrayLength().ShouldBe(0, "no token was created");
        shared.Server.Logs.Lines.ShouldNotContain(l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal));
    }

    /// <summary>A request written byte for byte, so the Host header reaches the server exactly as given.</summary>
    private static async Task<string> RawRequestAsync(int port, string path, string host, string? bearer, bool post = false)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var auth = bearer is null ? "" : $"Authorization: Bearer {bearer}\r\n";
        var body = post ? "{}" : "";
        var request = $"{(post ? "POST" : "GET")} {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }
}
