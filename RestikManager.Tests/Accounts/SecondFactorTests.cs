using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OtpNet;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Accounts;

/// <summary>
/// TOTP second factors on the published server, through its pages as a browser posts them (cookies, antiforgery) and the
/// API's token exchange: set up from the account page, a code signs in, a reused, older or wrong one does not, recovery
/// codes work once, and the admin's rule sends an account without one to set it up. One server for the class; each
/// case has its own user.
/// </summary>
[Collection(PublishedTreeGroup.Web)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed partial class SecondFactorTests(PublishedTree tree, SecondFactorTests.World world) : IClassFixture<SecondFactorTests.World>
{
    private const string Password = "second-factor-test-password";

    public sealed class World : IAsyncLifetime
    {
        private readonly Lock _gate = new();
        private Task<PublishedStack>? _started;

        internal Task<PublishedStack> StartAsync(PublishedTree tree)
        {
            lock (_gate)
            {
                return _started ??= PublishedStack.StartAsync(tree);
            }
        }

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            if (_started is not null)
            {
                await (await _started).DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ACodeFromTheSharedSecretSignsInAndAReusedOlderOrWrongOneDoesNot()
    {
        var server = await world.StartAsync(tree);
        await CreateUserAsync(server, "tina");
        using var browser = await SignInWithPasswordAsync(server, "tina", expect: "/");

        // Set up from the account page: a QR code and the secret; a wrong code changes nothing, the right one stores it.
        var offer = await PostFormAsync(browser, "/account?handler=FactorOffer", "/account", []);
        offer.ShouldContain("data:image/png;base64,");
        var secret = Regex.Match(offer, "id=\"totp-secret\">([A-Z2-7]+)<").Groups[1].Value;
        var token = Regex.Match(offer, "name=\"token\" value=\"([^\"]+)\"").Groups[1].Value;
        var totp = new Totp(Base32Encoding.ToBytes(secret));
        var wrong = await PostFormAsync(browser, "/account?handler=FactorConfirm", "/account", new() { ["token"] = token, ["code"] = OtherCode(totp) }, HttpStatusCode.BadRequest);
        wrong.ShouldContain("does not match the new secret");
        var now = DateTime.UtcNow;
        var confirmed = await PostFormAsync(browser, "/account?handler=FactorConfirm", "/account", new() { ["token"] = token, ["code"] = totp.ComputeTotp(now) });
        var recovery = RecoveryCode().Matches(confirmed).Select(m => m.Value).Distinct().ToList();
        recovery.Count.ShouldBe(10);
        (await browser.GetStringAsync("/account")).ShouldNotContain(recovery[0], customMessage: "recovery codes are shown once");

        // A password alone now leads to the second step; the next step's code signs in once, and neither it again nor
        // the older one used at setup does.
        var next = totp.ComputeTotp(now.AddSeconds(30));
        using (var again = await SignInWithPasswordAsync(server, "tina", expect: "/signin/second-factor"))
        {
            (await PostFormAsync(again, "/signin/second-factor", "/signin/second-factor", new() { ["code"] = OtherCode(totp) }, HttpStatusCode.Unauthorized))
                .ShouldContain("Wrong or already used code");
            await PostFormAsync(again, "/signin/second-factor", "/signin/second-factor", new() { ["code"] = next }, expectPath: "/");
        }

        foreach (var used in new[] { next, totp.ComputeTotp(now) })
        {
            using var replay = await SignInWithPasswordAsync(server, "tina", expect: "/signin/second-factor");
            await PostFormAsync(replay, "/signin/second-factor", "/signin/second-factor", new() { ["code"] = used }, HttpStatusCode.Unauthorized);
        }

        // The API's token exchange asks for the code too; a recovery code works there, once.
        using var anonymous = new HttpClient { BaseAddress = new Uri(server.Url) };
        using (var bare = await anonymous.PostAsJsonAsync("/api/v1/auth/tokens", new { username = "tina", password = Password, name = "script" }))
        {
            bare.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await bare.Content.ReadAsStringAsync()).ShouldContain("second_factor_required");
        }

        using (var withRecovery = await anonymous.PostAsJsonAsync("/api/v1/auth/tokens", new { username = "tina", password = Password, name = "script", code = recovery[0] }))
        {
            withRecovery.StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        using (var reused = await anonymous.PostAsJsonAsync("/api/v1/auth/tokens", new { username = "tina", password = Password, name = "script", code = recovery[0] }))
        {
            reused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await reused.Content.ReadAsStringAsync()).ShouldContain("invalid_code");
        }

        var audit = File.ReadAllText(server.Root.Of("server-data", "audit", "audit.jsonl"));
        audit.ShouldContain("second_factor.add");
        audit.ShouldContain("wrong or reused second-factor code");
        audit.ShouldNotContain(secret);
    }

    [Fact]
    public async Task WrongCodesLockTheAccountOutEvenWithTheRightPasswordEachTime()
    {
        var server = await world.StartAsync(tree);
        await CreateUserAsync(server, "vic");
        Totp totp;
        using (var browser = await SignInWithPasswordAsync(server, "vic", expect: "/"))
        {
            var offer = await PostFormAsync(browser, "/account?handler=FactorOffer", "/account", []);
            totp = new Totp(Base32Encoding.ToBytes(Regex.Match(offer, "id=\"totp-secret\">([A-Z2-7]+)<").Groups[1].Value));
            var token = Regex.Match(offer, "name=\"token\" value=\"([^\"]+)\"").Groups[1].Value;
            await PostFormAsync(browser, "/account?handler=FactorConfirm", "/account", new() { ["token"] = token, ["code"] = totp.ComputeTotp() });
        }

        // The right password, then a guess, five times: the password's success does not wipe the guesses out.
        for (var guess = 0; guess < 5; guess++)
        {
            using var attempt = await SignInWithPasswordAsync(server, "vic", expect: "/signin/second-factor");
            await PostFormAsync(attempt, "/signin/second-factor", "/signin/second-factor", new() { ["code"] = OtherCode(totp) }, HttpStatusCode.Unauthorized);
        }

        var locked = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(server.Url) };
        using (locked)
        {
            (await PostFormAsync(locked, "/signin", "/signin", new() { ["username"] = "vic", ["password"] = Password }, HttpStatusCode.TooManyRequests))
                .ShouldContain("Too many failed sign-in attempts");
        }
    }

    [Fact]
    public async Task WhenTheAdminRequiresASecondFactorAnAccountWithoutOneSetsItUpBeforeItIsIn()
    {
        var server = await world.StartAsync(tree);
        await CreateUserAsync(server, "uma");
        using var admin = await SignInWithPasswordAsync(server, "admin", expect: "/", password: Api.AdminPassword);
        await PostFormAsync(admin, "/users?handler=RequireSecondFactor", "/users", new() { ["required"] = "true" });
        try
        {
            using (var script = new HttpClient { BaseAddress = new Uri(server.Url) })
            using (var refused = await script.PostAsJsonAsync("/api/v1/auth/tokens", new { username = "uma", password = Password, name = "script" }))
            {
                refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
                (await refused.Content.ReadAsStringAsync()).ShouldContain("second_factor_setup_required");
            }

            using var uma = await SignInWithPasswordAsync(server, "uma", expect: "/signin/second-factor");
            (await uma.GetAsync("/")).RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/signin", "not signed in before the second factor");
            var setup = await uma.GetStringAsync("/signin/second-factor");
            var secret = Regex.Match(setup, "id=\"totp-secret\">([A-Z2-7]+)<").Groups[1].Value;
            var token = Regex.Match(setup, "name=\"token\" value=\"([^\"]+)\"").Groups[1].Value;
            var done = await PostFormAsync(uma, "/signin/second-factor?handler=Setup", "/signin/second-factor",
                new() { ["token"] = token, ["code"] = new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp() });
            RecoveryCode().Count(done).ShouldBeGreaterThanOrEqualTo(10);
            (await uma.GetAsync("/")).RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/", "signed in once it is set up");
        }
        finally
        {
            await PostFormAsync(admin, "/users?handler=RequireSecondFactor", "/users", new() { ["required"] = "false" });
        }
    }

    [Fact]
    public async Task APasskeyAddedOnTheAccountPageIsTheSecondStepInChromium()
    {
        var server = await world.StartAsync(tree);
        await CreateUserAsync(server, "pia");
        // WebAuthn needs a domain as its relying party (never an IP address): the browser uses localhost.
        var url = $"http://localhost:{server.Port}";
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var devTools = await context.NewCDPSessionAsync(page);
        await devTools.SendAsync("WebAuthn.enable");
        var authenticator = await devTools.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2", ["transport"] = "internal", ["hasResidentKey"] = true,
                ["hasUserVerification"] = true, ["isUserVerified"] = true, ["automaticPresenceSimulation"] = true,
            },
        });
        var authenticatorId = authenticator!.Value.GetProperty("authenticatorId").GetString()!;

        await SignInInBrowserAsync(page, url, "pia");
        await Assertions.Expect(page).ToHaveURLAsync($"{url}/");
        await page.GotoAsync($"{url}/account");
        await page.FillAsync("#passkey-name", "laptop");
        await page.ClickAsync("[data-passkey-register]");
        await Assertions.Expect(page.Locator("#passkey-recovery-codes li")).ToHaveCountAsync(10);
        await page.Locator("#passkey-add").ScreenshotAsync(new LocatorScreenshotOptions { Path = Screenshots.Path("passkey-added.png") });
        await page.GotoAsync($"{url}/account");
        await Assertions.Expect(page.Locator("#passkeys")).ToContainTextAsync("laptop");

        // From now on the password leads to the second step, where the passkey signs in.
        await page.ClickAsync("form.who button[type=submit]");
        await SignInInBrowserAsync(page, url, "pia");
        await Assertions.Expect(page).ToHaveURLAsync($"{url}/signin/second-factor");
        await page.ClickAsync("[data-passkey-signin]");
        await Assertions.Expect(page).ToHaveURLAsync($"{url}/");
        await Assertions.Expect(page.Locator("#signed-in-as")).ToContainTextAsync("pia");

        // An authenticator without the passkey: the page says why, and the password alone got nobody in.
        await page.ClickAsync("form.who button[type=submit]");
        await devTools.SendAsync("WebAuthn.clearCredentials", new Dictionary<string, object> { ["authenticatorId"] = authenticatorId });
        await SignInInBrowserAsync(page, url, "pia");
        await page.ClickAsync("[data-passkey-signin]");
        await Assertions.Expect(page.Locator("#passkey-error")).ToBeVisibleAsync();
        await Assertions.Expect(page).ToHaveURLAsync($"{url}/signin/second-factor");
        var audit = File.ReadAllText(server.Root.Of("server-data", "audit", "audit.jsonl"));
        audit.ShouldContain("laptop", customMessage: "the passkey's addition is audited by its name");
        audit.ShouldContain("\"detail\":\"passkey\"");
    }

    private static async Task SignInInBrowserAsync(IPage page, string url, string name)
    {
        await page.GotoAsync($"{url}/signin");
        await page.FillAsync("input[name=username]", name);
        await page.FillAsync("input[name=password]", Password);
        await page.ClickAsync("form:not(.sso) button[type=submit]");
    }

    private static async Task CreateUserAsync(PublishedStack server, string name)
    {
        using var created = await server.Admin.PostAsJsonAsync("/api/v1/users", new { username = name, password = Password, role = "operator" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    /// <summary>The sign-in form as a browser posts it; returns the client (its cookies) once at <paramref name="expect"/>.</summary>
    private static async Task<HttpClient> SignInWithPasswordAsync(PublishedStack server, string name, string expect, string password = Password)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(server.Url) };
        await PostFormAsync(http, "/signin", "/signin", new() { ["username"] = name, ["password"] = password }, expectPath: expect);
        return http;
    }

    /// <summary>Posts a page's form (its antiforgery token from <paramref name="formPage"/>); returns the answer's body.</summary>
    private static async Task<string> PostFormAsync(HttpClient http, string action, string formPage, Dictionary<string, string> fields,
        HttpStatusCode expected = HttpStatusCode.OK, string? expectPath = null)
    {
        var page = await http.GetStringAsync(formPage);
        fields["__RequestVerificationToken"] = Antiforgery().Match(page).Groups[1].Value;
        using var response = await http.PostAsync(action, new FormUrlEncodedContent(fields));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, body.Length > 2000 ? body[..2000] : body);
        if (expectPath is not null)
        {
            response.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe(expectPath);
        }

        return body;
    }

    /// <summary>A six-digit code that is none of the secret's codes around now.</summary>
    private static string OtherCode(Totp totp)
    {
        var near = Enumerable.Range(-2, 5).Select(i => totp.ComputeTotp(DateTime.UtcNow.AddSeconds(30 * i))).ToHashSet();
        return Enumerable.Range(0, 1000).Select(i => (123456 + (i * 7919)).ToString("D6", System.Globalization.CultureInfo.InvariantCulture)[..6]).First(c => !near.Contains(c));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();

    [GeneratedRegex("\\b[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}\\b")]
    private static partial Regex RecoveryCode();
}
