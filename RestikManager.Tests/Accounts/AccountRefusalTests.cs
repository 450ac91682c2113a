using System.Net;
using System.Net.Http.Json;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Accounts;

/// <summary>
/// Accounts' cases that change nothing the others read (refusals, role checks, sign-in pages), on one shared server. The
/// cases that change the admin account, count sign-in failures or read the whole audit chain keep a server each
/// (<see cref="AccountsTests"/>).
/// </summary>
public sealed class AccountRefusalTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private readonly ServerFactory _server = shared.Server;

    [Theory]
    [InlineData("not json at all", "invalid_json")]
    [InlineData("[1, 2]", "invalid_json")]
    [InlineData("{\"token\": 5, \"credential\": {}}", "invalid_passkey")]
    [InlineData("{\"token\": \"made-up\", \"credential\": {}}", "invalid_passkey")]
    [InlineData("{\"token\": \"made-up\"}", "invalid_passkey")]
    public async Task ABadPasskeyRegistrationIsA400InTheEnvelopeAndAddsNothing(string body, string code)
    {
        using var browser = await PageSession.SignInAsync(_server);
        var page = await browser.GetStringAsync("/account");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/account?handler=PasskeyRegister")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("RequestVerificationToken",
            System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value);

        using var response = await browser.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.JsonAsync()).GetProperty("error").GetProperty("code").GetString().ShouldBe(code);
        (await browser.GetStringAsync("/account")).ShouldNotContain("id=\"passkeys\"", customMessage: "no passkey was added");
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"id\": \"AAAA\", \"rawId\": \"AAAA\", \"type\": \"public-key\", \"response\": {}}")]
    [InlineData("{\"rawId\": 7}")]
    public async Task AMadeUpCredentialForARealCeremonyIsA400AndAddsNothing(string credential)
    {
        using var browser = await PageSession.SignInAsync(_server);
        var antiforgery = System.Text.RegularExpressions.Regex.Match(await browser.GetStringAsync("/account"),
            "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        async Task<HttpResponseMessage> PostAsync(string handler, string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/account?handler={handler}")
            {
                Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("RequestVerificationToken", antiforgery);
            return await browser.SendAsync(request);
        }

        using var options = await PostAsync("PasskeyOptions", "{}");
        options.StatusCode.ShouldBe(HttpStatusCode.OK);
        var token = (await options.JsonAsync()).GetProperty("token").GetString();

        using var response = await PostAsync("PasskeyRegister", $"{{\"token\": \"{token}\", \"credential\": {credential}}}");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
        (await response.JsonAsync()).GetProperty("error").GetProperty("code").GetString().ShouldBe("invalid_passkey");
        (await browser.GetStringAsync("/account")).ShouldNotContain("id=\"passkeys\"", customMessage: "no passkey was added");
    }

    [Fact]
    public async Task AdminFromEnvironmentSignsInAndGetsAToken()
    {
        using var http = _server.CreateClient();
        var token = await Api.TokenAsync(http);

        using var me = await http.WithBearer(token).GetAsync("/api/v1/me");

        token.ShouldStartWith("rmt_");
        var body = await me.JsonAsync();
        body.GetProperty("username").GetString().ShouldBe("admin");
        body.GetProperty("role").GetString().ShouldBe("admin");
    }

    [Theory]
    [InlineData("admin", "wrong password here")]
    [InlineData("nobody-by-this-name", "admin-password-for-tests")]
    [InlineData("", "")]
    public async Task WrongCredentialsAreOneAnswerAndGiveNoToken(string username, string password)
    {
        using var http = _server.CreateClient();

        using var response = await http.PostAsJsonAsync("/api/v1/auth/tokens", new { username, password, name = "x" });

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var error = (await response.JsonAsync()).GetProperty("error");
        error.GetProperty("code").GetString().ShouldBe("invalid_credentials");
        error.GetProperty("message").GetString().ShouldBe("Wrong username or password.");
    }

    [Fact]
    public async Task TokenNeedsAName()
    {
        using var http = _server.CreateClient();

        using var response = await http.PostAsJsonAsync("/api/v1/auth/tokens", new { username = "admin", password = Api.AdminPassword });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.JsonAsync()).GetProperty("error").GetProperty("code").GetString().ShouldBe("invalid_name");
    }

    [Fact]
    public async Task RolesAreEnforcedOnEveryEndpoint()
    {
        using var admin = await Api.AdminAsync(_server);
        foreach (var (name, role) in new[] { ("olivia", "operator"), ("victor", "viewer") })
        {
            using var created = await admin.PostAsJsonAsync("/api/v1/users", new { username = name, password = $"{name}-password-123", role });
            created.StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        using var anonymous = _server.CreateClient();
        using var viewer = _server.CreateClient().WithBearer(await Api.TokenAsync(_server.CreateClient(), "victor", "victor-password-123"));
        using var operatorClient = _server.CreateClient().WithBearer(await Api.TokenAsync(_server.CreateClient(), "olivia", "olivia-password-123"));

        (await anonymous.GetAsync("/api/v1/hosts")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await viewer.GetAsync("/api/v1/hosts")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await viewer.PostAsJsonAsync("/api/v1/enrollment-tokens", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await operatorClient.PostAsJsonAsync("/api/v1/enrollment-tokens", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await operatorClient.GetAsync("/api/v1/users")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await viewer.PostAsJsonAsync("/api/v1/users", new { username = "eve", password = "eve-password-123", role = "admin" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await admin.PostAsJsonAsync("/api/v1/enrollment-tokens", new { })).StatusCode.ShouldBe(HttpStatusCode.Created);
        using var forbidden = await viewer.PostAsync("/api/v1/hosts/x/revoke", null);
        (await forbidden.JsonAsync()).GetProperty("error").GetProperty("code").GetString().ShouldBe("forbidden");
    }

    [Theory]
    [InlineData("bad name", "operator", "long-enough-password", "invalid_username")]
    [InlineData("newuser", "root", "long-enough-password", "invalid_role")]
    [InlineData("newuser", "viewer", "short", "weak_password")]
    public async Task BadUsersAreRefusedAndNotCreated(string username, string role, string password, string code)
    {
        using var admin = await Api.AdminAsync(_server);

        using var response = await admin.PostAsJsonAsync("/api/v1/users", new { username, password, role });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.JsonAsync()).GetProperty("error").GetProperty("code").GetString().ShouldBe(code);
        var users = await admin.GetFromJsonAsync<List<Dictionary<string, object>>>("/api/v1/users");
        users!.ShouldNotContain(u => u["username"].ToString() == username);
    }

    [Fact]
    public async Task DuplicateUserIsAConflict()
    {
        using var admin = await Api.AdminAsync(_server);

        using var response = await admin.PostAsJsonAsync("/api/v1/users", new { username = "ADMIN", password = "another-password-1", role = "viewer" });

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await response.JsonAsync()).GetProperty("error").GetProperty("code").GetString().ShouldBe("username_taken");
    }

    [Fact]
    public async Task ApiIgnoresTheUiCookie()
    {
        using var browser = AccountsTests.Browser(_server);
        (await AccountsTests.SignInAsync(browser, "admin", Api.AdminPassword)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        (await browser.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await browser.GetAsync("/api/v1/hosts")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task UiSignInNeedsTheAntiForgeryToken()
    {
        using var browser = _server.CreateClient();
        (await browser.GetAsync("/signin")).EnsureSuccessStatusCode();

        using var forged = await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = "admin", ["password"] = Api.AdminPassword,
        }));

        forged.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task UiRedirectsToSignInAndShowsAWrongPassword()
    {
        using var browser = AccountsTests.Browser(_server);

        using var home = await browser.GetAsync("/");
        using var wrong = await AccountsTests.SignInAsync(browser, "admin", "definitely wrong");

        home.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        home.Headers.Location!.ToString().ShouldContain("/signin");
        wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await wrong.Content.ReadAsStringAsync()).ShouldContain("Wrong username or password.");
    }
}
