using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Sso;

/// <summary>
/// Single sign-on against a real OpenID provider (oidc-provider on Node.js at localhost, another site than the published
/// server at 127.0.0.1), driven in Chromium through the real redirects. One provider and one server serve every case;
/// each case signs in its own user in a fresh browser context. A second server whose issuer is wrong is started by the
/// case that needs it.
/// </summary>
[Collection(PublishedTreeGroup.Web)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class SingleSignOnTests(PublishedTree tree, SingleSignOnTests.World world) : IClassFixture<SingleSignOnTests.World>
{
    private const string ClientSecret = "sso-client-secret-7c1e9a4b2d";
    private const string ButtonText = "Sign in with Company SSO";

    public sealed class World : IAsyncLifetime
    {
        private readonly Lock _gate = new();
        private Task<PublishedStack>? _started;

        internal TestIdentityProvider Idp { get; private set; } = null!;

        internal PublishedStack Server { get; private set; } = null!;

        internal int WrongIssuerPort { get; } = PublishedStack.FreePort();

        internal IPlaywright Playwright { get; private set; } = null!;

        internal IBrowser Browser { get; private set; } = null!;

        internal Task<PublishedStack> StartAsync(PublishedTree tree)
        {
            lock (_gate)
            {
                return _started ??= StartOnceAsync(tree);
            }
        }

        private async Task<PublishedStack> StartOnceAsync(PublishedTree tree)
        {
            var port = PublishedStack.FreePort();
            Idp = await TestIdentityProvider.StartAsync(
            [
                new("restic-manager", ClientSecret, $"http://127.0.0.1:{port}"),
                new("restic-manager-b", ClientSecret, $"http://127.0.0.1:{WrongIssuerPort}"),
            ], codeLifetime: TimeSpan.FromSeconds(4));
            Server = await PublishedStack.StartAsync(tree, Env(Idp.IssuerText, "restic-manager", port), port);
            Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
            Browser = await Chromium.LaunchAsync(Playwright);
            return Server;
        }

        internal static Dictionary<string, string?> Env(string issuer, string clientId, int port) => new()
        {
            ["RM_BASE_URL"] = $"http://127.0.0.1:{port}",
            ["RM_OIDC_ISSUER"] = issuer,
            ["RM_OIDC_ALLOW_HTTP"] = "true",
            ["RM_OIDC_CLIENT_ID"] = clientId,
            ["RM_OIDC_CLIENT_SECRET"] = ClientSecret,
            ["RM_OIDC_SCOPES"] = "openid profile email groups",
            ["RM_OIDC_ROLES"] = "admin=rm-admins,operator=rm-ops,viewer=rm-staff",
            ["RM_OIDC_NAME"] = "Company SSO",
            ["RM_OIDC_LOCAL_SIGNIN"] = "admins",
        };

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            if (Browser is not null)
            {
                await Browser.DisposeAsync();
                Playwright.Dispose();
            }

            if (Server is not null)
            {
                await Server.DisposeAsync();
            }

            Idp?.Dispose();
        }
    }

    [Fact]
    public async Task TheGroupGivesTheRoleAtEverySignInAndSignOutEndsTheProvidersSessionToo()
    {
        var server = await world.StartAsync(tree);
        world.Idp.SetGroups("alice", "rm-ops", "unrelated");
        var page = await NewPageAsync();

        await SignInAtProviderAsync(page, server, "alice");
        await Assertions.Expect(page.Locator("#signed-in-as")).ToContainTextAsync("alice (operator)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.Path("sso-signed-in.png") });
        var alice = await UserAsync(server, "alice");
        alice.GetProperty("role").GetString().ShouldBe("operator");
        alice.GetProperty("issuer").GetString().ShouldBe(world.Idp.IssuerText);

        // The provider moves alice to the admins: her session here keeps its role until she signs in again, and the next
        // sign-in applies it. Sign-out ends the provider's session too (it asks for the name again).
        world.Idp.SetGroups("alice", "rm-admins");
        await page.ClickAsync("form.who button[type=submit]");
        await page.ClickAsync("button[name=logout]");
        await Assertions.Expect(page).ToHaveURLAsync($"{server.Url}/signin");
        await page.GotoAsync($"{server.Url}/");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin"));

        await SignInAtProviderAsync(page, server, "alice", expectLogin: true);
        await Assertions.Expect(page.Locator("#signed-in-as")).ToContainTextAsync("alice (admin)");
        (await UserAsync(server, "alice")).GetProperty("role").GetString().ShouldBe("admin");

        var audit = Audit(server);
        audit.ShouldContain("\"user.role\"");
        audit.ShouldContain($"issuer={world.Idp.IssuerText} subject=alice");

        // An SSO user makes API tokens as everyone does; disabling her here ends her session and her tokens at once.
        await page.GotoAsync($"{server.Url}/account");
        await Assertions.Expect(page.Locator("#external-account")).ToBeVisibleAsync();
        await page.FillAsync("#new-token-form input[name=name]", "alice's script");
        await page.ClickAsync("#new-token-form button[type=submit]");
        var token = (await page.InnerTextAsync("#new-token")).Trim();
        using var script = new HttpClient { BaseAddress = new Uri(server.Url) };
        script.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        (await script.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var id = (await UserAsync(server, "alice")).GetProperty("id").GetInt64();
        using (var disabled = await server.Admin.PutAsJsonAsync($"/api/v1/users/{id}", new { disabled = true }))
        {
            disabled.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        (await script.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        await page.GotoAsync($"{server.Url}/");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.Path("signin-sso.png") });
    }

    [Fact]
    public async Task AUserWithNoMappedGroupIsRefusedWithAClearPageAndNotCreated()
    {
        var server = await world.StartAsync(tree);
        world.Idp.SetGroups("bob", "staff-elsewhere");
        var page = await NewPageAsync();

        await SignInAtProviderAsync(page, server, "bob", landsOn: "/signin?sso=no_role");
        await Assertions.Expect(page.Locator("[role=alert]")).ToContainTextAsync("in no group that has a role here");
        (await Users(server)).ShouldNotContain(u => u.GetProperty("username").GetString() == "bob");
        Audit(server).ShouldContain("single sign-on: no_role");
    }

    [Fact]
    public async Task ATamperedStateAnExpiredCodeAndAWrongIssuerAreRefused()
    {
        var server = await world.StartAsync(tree);
        world.Idp.SetGroups("carol", "rm-staff");

        // The state the provider sends back, changed on its way.
        var page = await NewPageAsync();
        await OnTheWayBackAsync(page, location => System.Text.RegularExpressions.Regex.Replace(location, "state=([^&]{20})", "state=AAAAAAAAAAAAAAAAAAAA"), TimeSpan.Zero);
        await SignInAtProviderAsync(page, server, "carol", landsOn: "/signin?sso=failed");
        await Assertions.Expect(page.Locator("[role=alert]")).ToContainTextAsync("could not be verified");

        // A code held past its lifetime (4 s at this provider) before it reaches the server.
        page = await NewPageAsync();
        await OnTheWayBackAsync(page, location => location, TimeSpan.FromSeconds(6));
        await SignInAtProviderAsync(page, server, "carol", landsOn: "/signin?sso=failed");
        server.AllOutput.ShouldContain("invalid_grant");

        // A server told another issuer (127.0.0.1 where the provider says localhost): its tokens are refused.
        var port = world.WrongIssuerPort;
        await using var wrong = await PublishedStack.StartAsync(tree,
            World.Env(world.Idp.IssuerText.Replace("localhost", "127.0.0.1", StringComparison.Ordinal), "restic-manager-b", port), port);
        page = await NewPageAsync();
        await SignInAtProviderAsync(page, wrong, "carol", landsOn: "/signin?sso=failed");
        wrong.AllOutput.ShouldContain("Single sign-on refused");
        (await Users(server)).ShouldNotContain(u => u.GetProperty("username").GetString() == "carol");
        (await Users(wrong)).ShouldNotContain(u => u.GetProperty("username").GetString() == "carol");
    }

    [Fact]
    public async Task PasswordsAreForLocalAdminsOnlyAndTheClientSecretNeverLeavesTheServer()
    {
        var server = await world.StartAsync(tree);
        using (var created = await server.Admin.PostAsJsonAsync("/api/v1/users", new { username = "ops-local", password = "ops-local-password-1", role = "operator" }))
        {
            created.StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        using var anonymous = new HttpClient { BaseAddress = new Uri(server.Url) };
        using var refused = await anonymous.PostAsJsonAsync("/api/v1/auth/tokens", new { username = "ops-local", password = "ops-local-password-1", name = "x" });
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("password_sign_in_off");

        // The sign-in page offers the provider's button; an external user's empty password never verifies.
        world.Idp.SetGroups("dave", "rm-staff");
        var page = await NewPageAsync();
        await SignInAtProviderAsync(page, server, "dave");
        using var external = await anonymous.PostAsJsonAsync("/api/v1/auth/tokens", new { username = "dave", password = "", name = "x" });
        external.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        // Nor can one be set here: the provider keeps it.
        await page.GotoAsync($"{server.Url}/account");
        await page.FillAsync("#new-token-form input[name=name]", "dave's script");
        await page.ClickAsync("#new-token-form button[type=submit]");
        using var dave = new HttpClient { BaseAddress = new Uri(server.Url) };
        dave.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", (await page.InnerTextAsync("#new-token")).Trim());
        using (var password = await dave.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = "", newPassword = "a-password-of-my-own" }))
        {
            password.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await password.Content.ReadAsStringAsync()).ShouldContain("external_account");
        }

        foreach (var path in new[] { "/api/v1/users", "/api/v1/me", "/openapi/v1.json" })
        {
            (await server.Admin.GetStringAsync(path)).ShouldNotContain(ClientSecret, customMessage: path);
        }

        server.AllOutput.ShouldNotContain(ClientSecret);
        foreach (var file in Directory.EnumerateFiles(server.Root.Of("server-data"), "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            System.Text.Encoding.UTF8.GetString(bytes).ShouldNotContain(ClientSecret, customMessage: file);
        }
    }

    /// <summary>
    /// Holds the provider's way back to the server for <paramref name="delay"/> and changes its address with
    /// <paramref name="change"/>. A route sees no redirected request, so the handler takes the form post that ends the
    /// provider's pages, follows the provider's own redirects itself (with the context's cookies), and answers the browser
    /// with a redirect to the (changed) callback.
    /// </summary>
    private async Task OnTheWayBackAsync(IPage page, Func<string, string> change, TimeSpan delay)
    {
        var provider = world.Idp.IssuerText;
        await page.RouteAsync(url => url.StartsWith(provider + "/interaction/", StringComparison.Ordinal), async route =>
        {
            if (route.Request.Method != "POST")
            {
                await route.ContinueAsync();
                return;
            }

            var response = await route.FetchAsync(new RouteFetchOptions { MaxRedirects = 0 });
            var location = Next(route.Request.Url, response);
            while (location is not null && location.StartsWith(provider + "/auth/", StringComparison.Ordinal))
            {
                location = Next(location, await page.Context.APIRequest.GetAsync(location, new APIRequestContextOptions { MaxRedirects = 0 }));
            }

            if (location is not null && location.Contains("/signin-oidc", StringComparison.Ordinal))
            {
                await Task.Delay(delay);
                var changed = change(location);
                (changed != location || delay > TimeSpan.Zero).ShouldBeTrue("the way back was changed or held");
                location = changed;
            }

            var headers = new Dictionary<string, string>(response.Headers, StringComparer.OrdinalIgnoreCase);
            if (location is not null)
            {
                headers["location"] = location;
            }

            await route.FulfillAsync(new RouteFulfillOptions { Status = response.Status, Headers = headers, Body = "" });
        });

        static string? Next(string from, IAPIResponse response) =>
            response.Headers.TryGetValue("location", out var location) ? new Uri(new Uri(from), location).AbsoluteUri : null;
    }

    private async Task<IPage> NewPageAsync()
    {
        var context = await world.Browser.NewContextAsync();
        // The provider's development pages import a web font; this machine has no network beyond loopback.
        await context.RouteAsync("https://fonts.googleapis.com/**", route => route.AbortAsync());
        return await context.NewPageAsync();
    }

    /// <summary>
    /// From our sign-in page through the provider's sign-in (and consent, the first time) back to <paramref name="landsOn"/>
    /// ("/" when signed in). <paramref name="expectLogin"/>: the provider must ask for the name (its session ended).
    /// </summary>
    private static async Task SignInAtProviderAsync(IPage page, PublishedStack server, string login, string landsOn = "/", bool expectLogin = false)
    {
        var visited = new List<string>();
        page.FrameNavigated += (_, frame) => visited.Add(frame.Url);
        page.Response += (_, response) => visited.Add($"{response.Status} {response.Url}");
        await page.GotoAsync($"{server.Url}/signin");
        await page.ClickAsync($"button:has-text('{ButtonText}')");
        var asked = false;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var landing = new System.Text.RegularExpressions.Regex(landsOn == "/"
            ? $"^{System.Text.RegularExpressions.Regex.Escape(server.Url)}/$"
            : System.Text.RegularExpressions.Regex.Escape(server.Url + landsOn));
        while (!landing.IsMatch(page.Url))
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"still at {page.Url} after:\n{string.Join('\n', visited)}\n{server.AllOutput}");
            if (await page.Locator("input[name=login]").IsVisibleAsync())
            {
                asked = true;
                await page.FillAsync("input[name=login]", login);
                await page.FillAsync("input[name=password]", "any password: the provider's development sign-in");
                await page.ClickAsync("button[type=submit]");
            }
            else if (await page.Locator("button:has-text('Continue')").IsVisibleAsync())
            {
                await page.ClickAsync("button:has-text('Continue')");
            }
            else
            {
                await Task.Delay(100);
            }
        }

        if (expectLogin)
        {
            asked.ShouldBeTrue("the provider asked for the name again after the sign-out");
        }
    }

    private static string Audit(PublishedStack server) => File.ReadAllText(server.Root.Of("server-data", "audit", "audit.jsonl"));

    private static async Task<JsonElement[]> Users(PublishedStack server) =>
        (await server.Admin.GetFromJsonAsync<JsonElement[]>("/api/v1/users"))!;

    private static async Task<JsonElement> UserAsync(PublishedStack server, string name) =>
        (await Users(server)).Single(u => u.GetProperty("username").GetString() == name);
}
