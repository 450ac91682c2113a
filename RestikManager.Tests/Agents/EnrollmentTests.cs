using System.Net;
using System.Net.Http.Json;
using RestikManager.Server.Audit;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Agents;

/// <summary>
/// Enrollment on one shared server (Kestrel, for the WebSocket case): each case enrolls hosts named for itself and asserts
/// on those only.
/// </summary>
public sealed class EnrollmentTests(SharedKestrelServer shared) : IClassFixture<SharedKestrelServer>
{
    private readonly ServerFactory _server = shared.Server;

    private static string Unique(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";

    private static async Task<System.Text.Json.JsonElement[]> Named(HttpClient admin, string hostname) =>
        [.. (await Api.HostsAsync(admin)).Where(h => string.Equals(h.GetProperty("hostname").GetString(), hostname, StringComparison.OrdinalIgnoreCase))];

    [Fact]
    public async Task TokenBuysOneCredentialAndTheHostIsListed()
    {
        using var admin = await Api.AdminAsync(_server);
        var token = await Api.EnrollmentTokenAsync(admin, label: "rack 3");
        using var http = _server.CreateClient();
        var web1 = Unique("web1");

        using var response = await Enroll(http, token, web1);

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = await response.JsonAsync();
        body.GetProperty("credential").GetString()!.ShouldStartWith("rma_");
        var host = (await Named(admin, web1)).ShouldHaveSingleItem();
        host.GetProperty("hostname").GetString().ShouldBe(web1);
        host.GetProperty("label").GetString().ShouldBe("rack 3");
        host.GetProperty("status").GetString().ShouldBe("offline");
        host.GetProperty("id").GetString().ShouldBe(body.GetProperty("agentId").GetString());
    }

    [Fact]
    public async Task ReplayedTokenIsRefusedAndAudited()
    {
        using var admin = await Api.AdminAsync(_server);
        var token = await Api.EnrollmentTokenAsync(admin);
        using var http = _server.CreateClient();
        var (web1, web2) = (Unique("web1"), Unique("web2"));
        (await Enroll(http, token, web1)).StatusCode.ShouldBe(HttpStatusCode.Created);

        using var replay = await Enroll(http, token, web2);

        await ShouldBeInvalidToken(replay);
        (await Named(admin, web2)).ShouldBeEmpty();
        _server.Audit(out var entries).ShouldBeNull();
        entries.ShouldContain(e => e.Action == "agent.enroll" && e.Outcome == "denied" && e.Target == "host:" + web2);
    }

    [Theory]
    [InlineData("rme_this-token-was-never-issued")]
    [InlineData("")]
    [InlineData("rmt_an-api-token-is-not-an-enrollment-token")]
    public async Task UnknownTokensAreRefused(string token)
    {
        using var admin = await Api.AdminAsync(_server);
        using var http = _server.CreateClient();
        var web1 = Unique("web1");

        using var response = await Enroll(http, token, web1);

        if (token.Length == 0)
        {
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        }
        else
        {
            await ShouldBeInvalidToken(response);
        }

        (await Named(admin, web1)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ExpiredTokenIsRefused()
    {
        using var admin = await Api.AdminAsync(_server);
        var label = Unique("expiring");
        var token = await Api.EnrollmentTokenAsync(admin, label, expiresInMinutes: 1);
        _server.Execute("UPDATE enrollment_tokens SET expires_at = '2000-01-01 00:00:00+00:00' WHERE label = @label", new { label });

        var web1 = Unique("web1");
        using var response = await Enroll(_server.CreateClient(), token, web1);

        await ShouldBeInvalidToken(response);
        (await Named(admin, web1)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ExistingHostNeedsAnExplicitReplaceWhichKillsTheOldCredential()
    {
        using var admin = await Api.AdminAsync(_server);
        using var http = _server.CreateClient();
        var web1 = Unique("web1");
        var first = await (await Enroll(http, await Api.EnrollmentTokenAsync(admin), web1)).JsonAsync();

        using var duplicate = await Enroll(http, await Api.EnrollmentTokenAsync(admin), web1.ToUpperInvariant());
        using var replaced = await Enroll(http, await Api.EnrollmentTokenAsync(admin), web1, replace: true);

        duplicate.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await duplicate.JsonAsync()).GetProperty("error").GetProperty("code").GetString().ShouldBe("host_exists");
        replaced.StatusCode.ShouldBe(HttpStatusCode.Created);
        var second = await replaced.JsonAsync();
        second.GetProperty("agentId").GetString().ShouldBe(first.GetProperty("agentId").GetString());
        (await Named(admin, web1)).Length.ShouldBe(1);
        using var oldCredential = await AgentChannelTests.ConnectAsync(_server, first.GetProperty("credential").GetString()!, expectAccepted: false);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("{\"token\":\"rme_x\"}")]
    [InlineData("[1,2]")]
    public async Task MalformedRequestsAreInvalidRequest(string body)
    {
        using var http = _server.CreateClient();

        using var response = await http.PostAsync("/agent/enroll", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.JsonAsync()).GetProperty("error").GetProperty("code").GetString().ShouldBe("invalid_request");
    }

    [Theory]
    [InlineData("web1\nFAKE LOG LINE")]
    [InlineData("web 1")]
    [InlineData("")]
    [InlineData("../etc")]
    public async Task HostnamesThatAreNotPlainNamesAreRefused(string hostname)
    {
        using var admin = await Api.AdminAsync(_server);
        var token = await Api.EnrollmentTokenAsync(admin);

        using var response = await Enroll(_server.CreateClient(), token, hostname);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.JsonAsync()).GetProperty("error").GetProperty("code").GetString().ShouldBe("invalid_hostname");
        (await Api.HostsAsync(admin)).ShouldNotContain(h => h.GetProperty("hostname").GetString() == hostname);
        (await Enroll(_server.CreateClient(), token, Unique("web1"))).StatusCode.ShouldBe(HttpStatusCode.Created, "a refused request leaves the token unused");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(20000)]
    public async Task TokenLifetimeOutOfRangeIsRefused(int minutes)
    {
        using var admin = await Api.AdminAsync(_server);

        using var response = await admin.PostAsJsonAsync("/api/v1/enrollment-tokens", new { expiresInMinutes = minutes });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.JsonAsync()).GetProperty("error").GetProperty("message").GetString()!.ShouldContain("expiresInMinutes");
    }

    [Fact]
    public async Task CreatedTokenComesWithTheInstallLines()
    {
        using var admin = await Api.AdminAsync(_server);

        using var response = await admin.PostAsJsonAsync("/api/v1/enrollment-tokens", new { label = "db" });

        var body = await response.JsonAsync();
        var token = body.GetProperty("token").GetString()!;
        var url = _server.ClientOptions.BaseAddress.ToString().TrimEnd('/');
        body.GetProperty("installCommand").GetString().ShouldBe($"curl -fsSL {url}/install/install.sh | sudo sh -s -- --token {token}");
        body.GetProperty("installCommandWindows").GetString().ShouldBe($"$env:RM_TOKEN = '{token}'; irm {url}/install/install.ps1 | iex");
    }

    internal static Task<HttpResponseMessage> Enroll(HttpClient http, string token, string hostname, bool replace = false) =>
        http.PostAsJsonAsync("/agent/enroll", new { token, hostname, os = "linux", arch = "amd64", agentVersion = "0.0.0-dev", replace });

    private static async Task ShouldBeInvalidToken(HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.JsonAsync()).GetProperty("error").GetProperty("code").GetString().ShouldBe("invalid_token");
    }
}
