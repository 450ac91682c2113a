using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using RestikManager.Server.Audit;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Accounts;

public sealed partial class AccountsTests : IDisposable
{
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task LockOutAfterFiveFailuresSaysTheSameForRealAndUnknownAccounts()
    {
        using var http = _server.CreateClient();
        var answers = new List<string>();
        foreach (var username in new[] { "admin", "ghost" })
        {
            for (var i = 0; i < 5; i++)
            {
                using var failed = await http.PostAsJsonAsync("/api/v1/auth/tokens", new { username, password = "not the password!", name = "x" });
                failed.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            }

            using var locked = await http.PostAsJsonAsync("/api/v1/auth/tokens", new { username, password = Api.AdminPassword, name = "x" });
            locked.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
            locked.Headers.RetryAfter.ShouldNotBeNull();
            answers.Add((await locked.JsonAsync()).GetProperty("error").GetProperty("message").GetString()!);
        }

        answers[0].ShouldBe(answers[1]);
        answers[0].ShouldStartWith("Too many failed sign-in attempts");
    }

    [Fact]
    public async Task ADisabledUserLosesItsTokensAndTheLastAdminStaysOne()
    {
        using var admin = await Api.AdminAsync(_server);
        using var created = await admin.PostAsJsonAsync("/api/v1/users", new { username = "dana", password = "dana-password-123", role = "viewer" });
        var dana = (await created.JsonAsync()).GetProperty("id").GetInt64();
        using var danaApi = _server.CreateClient().WithBearer(await Api.TokenAsync(_server.CreateClient(), "dana", "dana-password-123"));
        var adminId = (await (await admin.GetAsync("/api/v1/me")).JsonAsync()).GetProperty("id").GetInt64();

        using (var promoted = await admin.PutAsJsonAsync($"/api/v1/users/{dana}", new { role = "operator" }))
        {
            (await promoted.JsonAsync()).GetProperty("role").GetString().ShouldBe("operator");
        }

        (await admin.PutAsJsonAsync($"/api/v1/users/{dana}", new { role = "root" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using (var self = await admin.PutAsJsonAsync($"/api/v1/users/{adminId}", new { role = "viewer" }))
        {
            self.StatusCode.ShouldBe(HttpStatusCode.Conflict, "the last admin who can sign in stays one");
            (await self.JsonAsync()).GetProperty("error").GetProperty("code").GetString().ShouldBe("last_admin");
        }

        (await danaApi.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.PutAsJsonAsync($"/api/v1/users/{dana}", new { disabled = true })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await danaApi.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "a disabled user's tokens stop working");
        using (var signIn = await _server.CreateClient().PostAsJsonAsync("/api/v1/auth/tokens", new { username = "dana", password = "dana-password-123", name = "x" }))
        {
            signIn.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await signIn.JsonAsync()).GetProperty("error").GetProperty("code").GetString().ShouldBe("account_disabled");
        }

        (await admin.PutAsJsonAsync($"/api/v1/users/{dana}", new { disabled = false })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await danaApi.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK, "enabled again, the same tokens work");
        (await admin.PutAsJsonAsync("/api/v1/users/999", new { disabled = true })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task EveryoneChangesTheirOwnPasswordKnowingTheCurrentOne()
    {
        using var admin = await Api.AdminAsync(_server);
        (await admin.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = "wrong", newPassword = "a-brand-new-password" }))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await admin.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = Api.AdminPassword, newPassword = "short" }))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        await Api.TokenAsync(_server.CreateClient(), "admin", Api.AdminPassword);

        (await admin.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = Api.AdminPassword, newPassword = "a-brand-new-password" }))
            .StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await Api.TokenAsync(_server.CreateClient(), "admin", "a-brand-new-password");
        using var old = await _server.CreateClient().PostAsJsonAsync("/api/v1/auth/tokens", new { username = "admin", password = Api.AdminPassword, name = "x" });
        old.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task RevokedTokenStopsWorkingAndLastUseIsRecorded()
    {
        using var http = _server.CreateClient();
        var token = await Api.TokenAsync(http);
        http.WithBearer(token);
        var listed = await (await http.GetAsync("/api/v1/auth/tokens")).JsonAsync();
        var id = listed[0].GetProperty("id").GetInt64();
        listed[0].GetProperty("lastUsedAt").GetString().ShouldNotBeNull();
        listed[0].TryGetProperty("token", out _).ShouldBeFalse("a token's secret is shown once, at creation");

        (await http.DeleteAsync($"/api/v1/auth/tokens/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await http.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task SetupLinkIsLoggedAndWorksOnce()
    {
        using var server = new ServerFactory(new() { ["RM_ADMIN_PASSWORD"] = "" });
        using var browser = server.CreateClient();
        _ = await browser.GetAsync("/alive");
        var link = SetupLink().Match(server.Logs.All);
        link.Success.ShouldBeTrue(server.Logs.All);

        using var first = await SubmitSetupAsync(browser, link.Groups["path"].Value, "the-new-admin-pw");
        using var second = await SubmitSetupAsync(browser, link.Groups["path"].Value, "an-attackers-pw!");

        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await first.Content.ReadAsStringAsync()).ShouldContain("account is ready");
        second.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Api.TokenAsync(server.CreateClient(), "admin", "the-new-admin-pw")).ShouldStartWith("rmt_");
    }

    [Fact]
    public async Task SignInsAndTokensAreAuditedInAnUnbrokenChain()
    {
        using var http = _server.CreateClient();
        await Api.TokenAsync(http);
        using var failed = await http.PostAsJsonAsync("/api/v1/auth/tokens", new { username = "admin", password = "wrong wrong wrong", name = "x" });

        var broken = _server.Audit(out var entries);

        broken.ShouldBeNull();
        entries.Select(e => (e.Action, e.Outcome)).ShouldBe(
            [("user.bootstrap", "ok"), ("sign_in", "ok"), ("api_token.create", "ok"), ("sign_in", "denied")]);
    }

    [Fact]
    public async Task NoPasswordOrTokenReachesTheLogs()
    {
        using var http = _server.CreateClient();
        var token = await Api.TokenAsync(http);
        using var wrong = await http.PostAsJsonAsync("/api/v1/auth/tokens", new { username = "admin", password = "typo-of-the-password", name = "x" });
        var enrollment = await Api.EnrollmentTokenAsync(_server.CreateClient().WithBearer(token));
        using var browser = _server.CreateClient();
        await SignInAsync(browser, "admin", Api.AdminPassword);

        var logs = _server.Logs.All + _server.AuditText();

        logs.ShouldContain("api_token.create", customMessage: "the sign-ins were logged and audited: the scan reads something");
        foreach (var secret in new[] { Api.AdminPassword, "typo-of-the-password", token, enrollment })
        {
            logs.ShouldNotContain(secret);
        }
    }

    internal static HttpClient Browser(ServerFactory server) =>
        server.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    internal static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string username, string password)
    {
        var page = await browser.GetStringAsync("/signin");
        var antiForgery = AntiForgeryField().Match(page).Groups["value"].Value;
        return await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = username, ["password"] = password, ["__RequestVerificationToken"] = antiForgery,
        }));
    }

    private static async Task<HttpResponseMessage> SubmitSetupAsync(HttpClient browser, string path, string password)
    {
        var page = await browser.GetStringAsync(path);
        var antiForgery = AntiForgeryField().Match(page).Groups["value"].Value;
        var token = path[(path.IndexOf("token=", StringComparison.Ordinal) + 6)..];
        return await browser.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = token, ["password"] = password, ["confirm"] = password, ["__RequestVerificationToken"] = antiForgery,
        }));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"(?<value>[^\"]+)\"")]
    private static partial Regex AntiForgeryField();

    [GeneratedRegex(@"Open (?<path>/setup\?token=rms_[A-Za-z0-9_-]+) within")]
    private static partial Regex SetupLink();
}
