using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using RestikManager.Contracts.Protocol;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Web;

/// <summary>
/// The forms and the role checks of the web UI in a real browser, against the real server in-process: every mistake is
/// shown by its field and changes nothing; secrets stay write-only; a viewer sees no action and a forged POST is a 403.
/// </summary>
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class WebFormsBrowserTests(WebUiWorld world) : IClassFixture<WebUiWorld>
{
    [Fact]
    public async Task AWrongPasswordIsSaidPlainlyAndSigningOutAsksAgain()
    {
        await using var context = await world.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{world.Url}/jobs");
        page.Url.ShouldStartWith($"{world.Url}/signin");
        await page.FillAsync("input[name=username]", "admin");
        await page.FillAsync("input[name=password]", "not the password");
        await page.ClickAsync("button[type=submit]");
        (await page.InnerTextAsync("[role=alert]")).ShouldBe("Wrong username or password.");

        await page.FillAsync("input[name=username]", "admin");
        await page.FillAsync("input[name=password]", Api.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync($"{world.Url}/jobs", new() { Timeout = 10_000 });
        (await page.EvalOnSelectorAsync<string>("header", "h => getComputedStyle(h).backgroundColor"))
            .ShouldBe("rgb(29, 43, 58)", "the stylesheet is served from wwwroot");

        await page.ClickAsync("header button[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync($"{world.Url}/signin");
        await page.GotoAsync($"{world.Url}/");
        page.Url.ShouldStartWith($"{world.Url}/signin", customMessage: "signed out means the pages ask again");
    }

    [Fact]
    public async Task TheRepositoryAndHostPagesChartTheNumbersTheApiGivesWithoutACspViolation()
    {
        // Readings and backups as the server records them (the agent's side is tested with real restic elsewhere).
        var services = world.Server.Services;
        var store = services.GetRequiredService<RestikManager.Server.Stats.StatsStore>();
        store.Add(world.RepositoryId, new RepositoryStats(3_000_000, 1_200_000, null, 2), keep: 100);
        await Task.Delay(20);
        store.Add(world.RepositoryId, new RepositoryStats(5_000_000, 1_900_000, null, 3), keep: 100);
        var web1 = (await Api.HostsAsync(world.Admin)).Single(h => h.Str("hostname") == "web1").Str("id");
        var jobs = services.GetRequiredService<RestikManager.Server.Jobs.JobStore>();
        var at = DateTimeOffset.UtcNow.AddHours(-3);
        for (var i = 0; i < 3; i++)
        {
            var started = at.AddHours(i);
            jobs.RecordResult(web1, new JobResult($"chartjob{i}0000000000000000000000000", "backup", world.RepositoryId, "schedule", world.PlanId,
                "succeeded", started, started.AddSeconds(10 + i), 0, Backup: new BackupSummary(
                    FilesNew: 5 + i, FilesChanged: i, 0, 0, 0, 0, DataAdded: 1000 * (i + 1), 10, 10_000, 10 + i, 0)));
        }

        var (context, page, console) = await world.SignInAsync();
        await using var _ = context;
        await page.GotoAsync($"{world.Url}/repositories/{world.RepositoryId}");
        await Assertions.Expect(page.Locator($"#size-{world.RepositoryId} canvas")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"#backups-{world.PlanId} canvas")).ToBeVisibleAsync();

        // The table under each chart says what the API says.
        var stats = await (await world.Admin.GetAsync($"/api/v1/repositories/{world.RepositoryId}/stats")).JsonAsync();
        (stats.GetProperty("totalSize").GetInt64(), stats.GetProperty("rawSize").GetInt64(), stats.GetProperty("snapshotCount").GetInt32())
            .ShouldBe((5_000_000, 1_900_000, 3));
        var sizes = await page.Locator($"#size-{world.RepositoryId} td[data-bytes]").EvaluateAllAsync<long[]>("cells => cells.map(c => Number(c.dataset.bytes))");
        sizes.ShouldBe(stats.GetProperty("history").EnumerateArray().SelectMany(p => new[] { p.GetProperty("totalSize").GetInt64(), p.GetProperty("rawSize").GetInt64() }).ToArray());
        var api = await BackupApi.JobsAsync(world.Admin, $"&plan={world.PlanId}&kind=backup&status=succeeded");
        var added = await page.Locator($"#backups-{world.PlanId} td[data-bytes]").EvaluateAllAsync<long[]>("cells => cells.map(c => Number(c.dataset.bytes))");
        added.ShouldBe(api.Select(j => j.GetProperty("backup").GetProperty("dataAdded").GetInt64()).ToArray());
        added.ShouldBe([3000L, 2000L, 1000L]);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.Path("repository-charts.png"), FullPage = true });

        await page.GotoAsync($"{world.Url}/hosts/{web1}");
        await Assertions.Expect(page.Locator($"#backups-{world.PlanId} canvas")).ToBeVisibleAsync();
        console.ShouldNotContain(m => m.Contains("Content Security Policy", StringComparison.Ordinal) || m.Contains("Refused", StringComparison.Ordinal),
            string.Join('\n', console));
    }

    [Fact]
    public async Task ThePlanFormShowsEachMistakeByItsFieldAndChangesNothing()
    {
        var (context, page, console) = await world.SignInAsync();
        await using var _ = context;
        await page.GotoAsync($"{world.Url}/plans/new");
        await page.FillAsync("input[name='Form.Name']", "web files");
        await page.FillAsync("textarea[name='Form.Paths']", "/srv/db");
        await page.SelectOptionAsync("select[name='Form.Hosts']", new SelectOptionValue { Label = "web1" });
        await page.FillAsync("input[name='Form.Schedule']", "30 2 * * *");

        foreach (var (field, value, error) in new[]
        {
            ("input[name='Form.Name']", "web files", ("name", "a plan named 'web files' exists already")),
            ("textarea[name='Form.Paths']", "relative/path", ("paths", "relative/path")),
            ("input[name='Form.Schedule']", "61 * * * *", ("schedule", "61")),
        })
        {
            await page.FillAsync("input[name='Form.Name']", field.Contains("Name", StringComparison.Ordinal) ? value : "db files");
            await page.FillAsync("textarea[name='Form.Paths']", field.Contains("Paths", StringComparison.Ordinal) ? value : "/srv/db");
            await page.FillAsync("input[name='Form.Schedule']", field.Contains("Schedule", StringComparison.Ordinal) ? value : "30 2 * * *");
            await page.ClickAsync("#plan-form button[type=submit]");

            await Assertions.Expect(page.Locator($"#{error.Item1}-error")).ToContainTextAsync(error.Item2);
            (await page.GetAttributeAsync(field, "aria-invalid")).ShouldBe("true", $"{field} is marked");
            (await page.Locator(".field-error").CountAsync()).ShouldBe(1, "only the field at fault");
            (await PlanNamesAsync()).ShouldBe(["web files"], "a refused form changes nothing");
        }

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.Path("plan-form-error.png"), FullPage = true });

        // The schedule is read out while typing, with its next runs in the plan's zone.
        await page.FillAsync("input[name='Form.TimeZone']", "Europe/Berlin");
        await page.FillAsync("input[name='Form.Schedule']", "30 2 * * 1-5");
        await Assertions.Expect(page.Locator("#schedule-preview")).ToContainTextAsync("Runs on Mon–Fri at 02:30. Next (Europe/Berlin):");
        (await page.Locator("#schedule-preview li").CountAsync()).ShouldBe(5);

        await page.ClickAsync("#plan-form button[type=submit]");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("db files");
        (await PlanNamesAsync()).ShouldBe(["db files", "web files"]);
        using (var plans = await world.Admin.GetAsync("/api/v1/plans"))
        {
            var saved = (await plans.JsonAsync()).EnumerateArray().Single(p => p.Str("name") == "db files");
            saved.Str("schedule").ShouldBe("30 2 * * 1-5");
            saved.Str("timeZone").ShouldBe("Europe/Berlin");
        }

        // Delete asks first (the dialog is accepted) and takes the plan away.
        await page.ClickAsync("button.danger");
        await Assertions.Expect(page).ToHaveURLAsync($"{world.Url}/plans");
        (await PlanNamesAsync()).ShouldBe(["web files"]);
        console.ShouldNotContain(m => m.Contains("Content Security Policy", StringComparison.Ordinal), string.Join('\n', console));
    }

    [Fact]
    public async Task ARepositorysSecretsGoInAndNeverComeBackOut()
    {
        var (context, page, _) = await world.SignInAsync();
        await using var __ = context;
        const string password = "a-very-secret-repository-password";
        await page.GotoAsync($"{world.Url}/repositories/new");
        await page.FillAsync("input[name=Name]", "main");
        await page.FillAsync("input[name=RepositoryUrl]", "/srv/restic/offsite");
        await page.FillAsync("input[name=Password]", password);
        await page.ClickAsync("#repository-form button[type=submit]");
        await Assertions.Expect(page.Locator("#name-error")).ToContainTextAsync("a repository named 'main' exists already");
        (await page.InputValueAsync("input[name=Password]")).ShouldBeEmpty("a refused form does not send the password back");

        await page.FillAsync("input[name=Name]", "offsite");
        await page.FillAsync("input[name=Password]", password);
        await page.ClickAsync("#repository-form button[type=submit]");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("offsite");
        (await page.ContentAsync()).ShouldNotContain(password);
        (await page.InnerTextAsync("main")).ShouldContain("Stored secrets\npassword");

        // A repository a plan uses cannot be deleted: the page says which plan, and nothing changes.
        await page.GotoAsync($"{world.Url}/repositories/{world.RepositoryId}");
        await page.ClickAsync("button.danger");
        await Assertions.Expect(page.Locator("[role=alert]")).ToContainTextAsync("Plan 'web files' backs up to this repository");
        using var repositories = await world.Admin.GetAsync("/api/v1/repositories");
        (await repositories.JsonAsync()).EnumerateArray().Select(r => r.Str("name")).Order().ShouldBe(["main", "offsite"]);
    }

    [Fact]
    public async Task TheAgentUpdatePolicyRefusesABadShareByItsFieldAndSavesAGoodOne()
    {
        var (context, page, _) = await world.SignInAsync();
        await using var _ = context;
        await page.ClickAsync("text=Agent updates");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Agent updates");
        (await page.InnerTextAsync("#update-counts")).ShouldContain("current");

        await page.SelectOptionAsync("#policy-form select[name=mode]", "manual");
        await page.FillAsync("#policy-form input[name=canaryPercent]", "150");
        await page.ClickAsync("#policy-form button[type=submit]");
        await Assertions.Expect(page.Locator("[role=alert]")).ToContainTextAsync("canaryPercent: a share of the fleet from 0 to 100.");
        (await page.GetAttributeAsync("#policy-form input[name=canaryPercent]", "aria-invalid")).ShouldBe("true");
        (await PolicyAsync()).Str("mode").ShouldBe("automatic", "a refused form changes nothing");

        await page.SelectOptionAsync("#policy-form select[name=mode]", "manual");
        await page.FillAsync("#policy-form input[name=canaryPercent]", "25");
        await page.FillAsync("#policy-form input[name=canaryLabel]", "canary");
        await page.ClickAsync("#policy-form button[type=submit]");
        await Assertions.Expect(page.Locator("#update-status [data-phase]")).ToContainTextAsync("manual: hosts are updated when an admin asks");
        var policy = await PolicyAsync();
        (policy.Str("mode"), policy.GetProperty("canaryPercent").GetInt32(), policy.Str("canaryLabel")).ShouldBe(("manual", 25, "canary"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.Path("agent-updates.png"), FullPage = true });

        using var back = await world.Admin.PutAsJsonAsync("/api/v1/agent-updates", new { mode = "automatic", canaryPercent = 10, canaryLabel = "" });
        back.EnsureSuccessStatusCode();
    }

    private async Task<System.Text.Json.JsonElement> PolicyAsync()
    {
        using var response = await world.Admin.GetAsync("/api/v1/agent-updates");
        return await response.JsonAsync();
    }

    [Fact]
    public async Task AViewerSeesNoActionAndAForgedPostIsForbidden()
    {
        var (context, page, _) = await world.SignInAsync("victor");
        await using var _ = context;
        (await page.InnerTextAsync("#signed-in-as")).ShouldBe("victor (viewer)");
        (await page.Locator("header nav a").AllInnerTextsAsync()).ShouldBe(["Hosts", "Plans", "Repositories", "Jobs", "Snapshots", "Notifications"]);

        await page.GotoAsync($"{world.Url}/plans");
        (await page.Locator("main button, main a.button").CountAsync()).ShouldBe(0, "no New plan, no Run now");
        await page.GotoAsync($"{world.Url}/plans/{world.PlanId}");
        (await page.Locator("main button").CountAsync()).ShouldBe(0, "no Save, Run now or Delete");
        (await page.Locator("#plan-form fieldset[disabled]").CountAsync()).ShouldBe(8, "every fieldset of the form, hooks, drills and copies too");
        await page.GotoAsync($"{world.Url}/repositories/{world.RepositoryId}");
        (await page.Locator("main button").CountAsync()).ShouldBe(0);

        // A viewer who forges the posts anyway (with its own valid antiforgery token) gets 403, and nothing happens.
        var jobsBefore = await JobCountAsync();
        var antiforgery = await page.GetAttributeAsync("header input[name=__RequestVerificationToken]", "value");
        foreach (var path in new[] { $"/plans/{world.PlanId}?handler=Run", $"/plans/{world.PlanId}?handler=Delete", $"/plans/{world.PlanId}",
            $"/repositories/{world.RepositoryId}?handler=Delete", "/hosts/add", "/hosts/updates", "/hosts/updates?handler=Resume" })
        {
            var response = await page.APIRequest.PostAsync($"{world.Url}{path}", new APIRequestContextOptions
            {
                Form = page.APIRequest.CreateFormData().Set("__RequestVerificationToken", antiforgery!).Set("Form.Name", "forged"),
                MaxRedirects = 0,
            });
            response.Status.ShouldBe(403, path);
        }

        (await page.APIRequest.GetAsync($"{world.Url}/hosts/add", new() { MaxRedirects = 0 })).Status.ShouldBe(403);
        (await PlanNamesAsync()).ShouldContain("web files");
        (await JobCountAsync()).ShouldBe(jobsBefore, "the forged Run now queued nothing");

        // The operator may run but not change plans.
        var (operatorContext, operatorPage, _) = await world.SignInAsync("olivia");
        await using var ___ = operatorContext;
        await operatorPage.GotoAsync($"{world.Url}/plans/{world.PlanId}");
        (await operatorPage.Locator("main button").AllInnerTextsAsync()).ShouldBe(["Run now", "Run drill"]);
    }

    [Fact]
    public async Task APostWithoutTheAntiforgeryTokenChangesNothing()
    {
        var (context, page, _) = await world.SignInAsync();
        await using var _ = context;
        var response = await page.APIRequest.PostAsync($"{world.Url}/plans/{world.PlanId}?handler=Delete", new APIRequestContextOptions
        {
            Form = page.APIRequest.CreateFormData().Set("x", "y"), MaxRedirects = 0,
        });
        response.Status.ShouldBe(400);
        (await PlanNamesAsync()).ShouldContain("web files");
    }

    [Fact]
    public async Task AnAdminAddsAChannelTestsItAndARuleFiresToIt()
    {
        await using var receiver = await HttpReceiver.StartAsync();
        var (context, page, _) = await world.SignInAsync();
        await using var _ = context;
        const string secret = "ui-signing-secret-2718";
        await page.GotoAsync($"{world.Url}/notifications");
        await page.ClickAsync("a:text('New channel')");
        await page.ClickAsync("nav.kinds a:text('webhook')");
        await page.FillAsync("input[name=Name]", "ops hook");
        await page.FillAsync("input[name=ReceiverUrl]", "ftp://files.example.org/hook");
        await page.FillAsync("input[name=Secret]", secret);
        await page.ClickAsync("#channel-form button[type=submit]");
        await Assertions.Expect(page.Locator("#url-error")).ToContainTextAsync("an absolute http:// or https:// URL");
        (await page.InputValueAsync("input[name=Secret]")).ShouldBeEmpty("a refused form does not send the secret back");

        await page.FillAsync("input[name=ReceiverUrl]", receiver.Url + "/ui-hook");
        await page.FillAsync("input[name=Secret]", secret);
        await page.ClickAsync("#channel-form button[type=submit]");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("ops hook");
        (await page.ContentAsync()).ShouldNotContain(secret);
        (await page.ContentAsync()).ShouldNotContain("/ui-hook");
        await page.ClickAsync("button:text('Send test')");
        await Assertions.Expect(page.Locator("#test-result")).ToHaveTextAsync("Test message delivered.");
        receiver.Requests.Single().Json.Str("event").ShouldBe("test");

        // A rule: a number that is not one is shown by its field; then web1, which never connected, fires host_offline.
        await page.GotoAsync($"{world.Url}/notifications/rules/new");
        await page.FillAsync("input[name=Name]", "silent hosts");
        foreach (var box in await page.Locator("input[name=Events]").AllAsync())
        {
            await box.SetCheckedAsync(await box.GetAttributeAsync("value") == "host_offline");
        }

        await page.CheckAsync("input[name=Channels]");
        await page.FillAsync("input[name=OfflineAfterMinutes]", "soon");
        await page.ClickAsync("#rule-form button[type=submit]");
        await Assertions.Expect(page.Locator("#offlineAfterMinutes-error")).ToContainTextAsync("offlineAfterMinutes: 0 to");
        await page.FillAsync("input[name=OfflineAfterMinutes]", "0");
        await page.ClickAsync("#rule-form button[type=submit]");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("silent hosts");

        var firing = (await receiver.WaitForAsync(r => r.Json.Str("event") == "host_offline", 1, TimeSpan.FromSeconds(30), "host_offline")).Single();
        firing.Headers["X-RestikManager-Signature"].ShouldBe(Server.Alerts.Sending.ChannelSender.Signature(secret, firing.Body));
        // The receiver answered before the server wrote down the delivery: the page shows it once that is written.
        await Eventually.TrueAsync(() => world.Admin.GetStringAsync("/api/v1/alerts?state=firing").Result.Contains("\"delivered\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the delivery recorded");
        await page.GotoAsync($"{world.Url}/notifications");
        var incident = page.Locator("section[aria-labelledby=firing-heading] tr[data-state=firing]");
        await Assertions.Expect(incident).ToContainTextAsync("host_offline");
        await Assertions.Expect(incident).ToContainTextAsync("ops hook (firing): delivered");
        await Assertions.Expect(page.Locator("#rules")).ToContainTextAsync("silent hosts");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.Path("notifications.png"), FullPage = true });

        // The rule deleted, its incident closes quietly (no resolved message).
        await page.GotoAsync($"{world.Url}/notifications/rules/{(await world.Admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/alert-rules"))[0].Str("id")}");
        await page.ClickAsync("button:text('Delete rule')");
        await Eventually.TrueAsync(() => Alerts.AlertDeliveryTests.Alerts(world.Admin, "firing").Length == 0, TimeSpan.FromSeconds(10), "the incident closed");
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#no-firing")).ToBeVisibleAsync();
        receiver.Requests.Count.ShouldBe(2);
        (await world.Admin.DeleteAsync($"/api/v1/notification-channels/{(await world.Admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/notification-channels"))[0].Str("id")}"))
            .StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task EveryPageKeepsTheContentSecurityPolicyAndFitsAPhone()
    {
        var (context, page, console) = await world.SignInAsync(width: 390);
        await using var _ = context;
        foreach (var path in new[] { "/", "/plans", $"/plans/{world.PlanId}", "/plans/new", "/repositories", $"/repositories/{world.RepositoryId}",
            "/repositories/new", "/jobs", "/hosts/add", "/snapshots", $"/snapshots/{world.RepositoryId}", "/users", "/audit", "/account",
            "/notifications", "/notifications/channels/new?kind=email", "/notifications/rules/new", "/api-reference" })
        {
            var response = await page.GotoAsync($"{world.Url}{path}");
            response!.Status.ShouldBe(200, path);
            response.Headers["content-security-policy"].ShouldNotContain("unsafe-inline");
            (await page.EvaluateAsync<int>("document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(390, $"{path} fits 390 px");
            (await page.Locator("input:not([type=hidden]):not([type=checkbox]), select, textarea").EvaluateAllAsync<int>(
                "els => els.filter(e => !e.closest('label') && !e.getAttribute('aria-label') && !(e.id && document.querySelector(`label[for='${e.id}']`))).length")).ShouldBe(0, $"{path}: every field has a label");
        }

        await page.GotoAsync($"{world.Url}/");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.Path("hosts-phone.png"), FullPage = true });
        console.ShouldNotContain(m => m.Contains("Content Security Policy", StringComparison.Ordinal) || m.Contains("Refused", StringComparison.Ordinal),
            string.Join('\n', console));
    }

    [Fact]
    public async Task AnAdminManagesUsersAndEveryoneTheirOwnPasswordAndTokens()
    {
        var (context, page, _) = await world.SignInAsync();
        await using var _ = context;
        await page.GotoAsync($"{world.Url}/users");
        await page.FillAsync("#new-user input[name=Username]", "dana smith");
        await page.FillAsync("#new-user input[name=Password]", WebUiWorld.Password("dana"));
        await page.ClickAsync("#new-user button[type=submit]");
        await Assertions.Expect(page.Locator("#username-error")).ToContainTextAsync("A username is 1 to 64 letters");
        (await page.Locator("#users tr[data-user='dana smith']").CountAsync()).ShouldBe(0, "refused: nobody added");

        await page.FillAsync("#new-user input[name=Username]", "dana");
        await page.FillAsync("#new-user input[name=Password]", WebUiWorld.Password("dana"));
        await page.SelectOptionAsync("#new-user select[name=Role]", "viewer");
        await page.ClickAsync("#new-user button[type=submit]");
        var dana = page.Locator("#users tr[data-user=dana]");
        await Assertions.Expect(dana).ToContainTextAsync("active");
        await dana.Locator("select[name=role]").SelectOptionAsync("operator");
        await dana.Locator("button:text('Change role')").ClickAsync();
        await Assertions.Expect(page.Locator("[role=status]")).ToHaveTextAsync("'dana' is now operator.");

        // The last admin cannot disable itself; dana, disabled, can no longer sign in.
        await page.Locator("#users tr[data-user=admin] button:text('Disable')").ClickAsync();
        await Assertions.Expect(page.Locator("[role=alert]")).ToHaveTextAsync("You cannot disable your own account.");
        await page.Locator("#users tr[data-user=dana] button:text('Disable')").ClickAsync();
        await Assertions.Expect(page.Locator("#users tr[data-user=dana]")).ToContainTextAsync("disabled");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.Path("users.png"), FullPage = true });
        var other = await world.Browser.NewPageAsync();
        await other.GotoAsync($"{world.Url}/signin");
        await other.FillAsync("input[name=username]", "dana");
        await other.FillAsync("input[name=password]", WebUiWorld.Password("dana"));
        await other.ClickAsync("button[type=submit]");
        await Assertions.Expect(other.Locator("[role=alert]")).ToHaveTextAsync("This account is disabled; ask an admin.");
        await other.CloseAsync();

        // The audit page: newest first, filtered, and the chain verifies.
        await page.GotoAsync($"{world.Url}/audit?action=user.");
        (await page.InnerTextAsync("#chain")).ShouldStartWith("The hash chain verifies");
        (await page.Locator("#audit tbody td:nth-child(4)").AllInnerTextsAsync()).ShouldBe(["user.disable", "user.role", "user.create", "user.create", "user.create", "user.bootstrap"]);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.Path("audit.png"), FullPage = true });

        // Anyone's own account: a token shown once that works on the API, then revoked; a wrong current password is named.
        var (viewerContext, viewer, _) = await world.SignInAsync("victor");
        await using var __ = viewerContext;
        await viewer.ClickAsync("#signed-in-as");
        await viewer.FillAsync("#new-token-form input[name=name]", "monitoring");
        await viewer.ClickAsync("#new-token-form button");
        var secret = await viewer.InnerTextAsync("#new-token");
        using (var http = world.Server.CreateClient().WithBearer(secret))
        {
            (await http.GetAsync("/api/v1/me")).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
            await viewer.ReloadAsync();
            (await viewer.ContentAsync()).ShouldNotContain(secret, customMessage: "shown once");
            await viewer.ClickAsync("#tokens button:text('Revoke')");
            await Assertions.Expect(viewer.Locator("#tokens")).ToContainTextAsync("revoked");
            (await http.GetAsync("/api/v1/me")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized);
        }

        await viewer.FillAsync("#password-form input[name=currentPassword]", "not my password");
        await viewer.FillAsync("#password-form input[name=newPassword]", "a-new-password-for-victor");
        await viewer.FillAsync("#password-form input[name=confirmPassword]", "a-new-password-for-victor");
        await viewer.ClickAsync("#password-form button");
        await Assertions.Expect(viewer.Locator("[role=alert]")).ToHaveTextAsync("The current password is wrong.");
        (await viewer.GetAttributeAsync("#password-form input[name=currentPassword]", "aria-invalid")).ShouldBe("true");
        (await viewer.APIRequest.GetAsync($"{world.Url}/users", new() { MaxRedirects = 0 })).Status.ShouldBe(403);
        (await viewer.APIRequest.GetAsync($"{world.Url}/audit", new() { MaxRedirects = 0 })).Status.ShouldBe(403);
    }

    [Fact]
    public async Task TheJobsPageFiltersByDayKindAndStatusAndSaysWhatItCannotRead()
    {
        // A queued job (web1 has no agent here, so it stays queued), written through the store as the dispatcher does.
        var services = world.Server.Services;
        var plan = services.GetRequiredService<RestikManager.Server.Plans.PlanStore>().Find(world.PlanId)!;
        var spec = RestikManager.Server.Jobs.JobSpecs.ForPlan("backup", plan, "manual");
        services.GetRequiredService<RestikManager.Server.Jobs.JobStore>().Enqueue(spec, services.GetRequiredService<RestikManager.Server.Agents.AgentStore>().Resolve("web1")!.Id);
        var (context, page, _) = await world.SignInAsync();
        await using var _ = context;
        var today = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var yesterday = DateTimeOffset.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        async Task<int> RowsAsync(string query)
        {
            await page.GotoAsync($"{world.Url}/jobs?{query}");
            return await page.Locator($"#jobs tr#job-{spec.JobId}").CountAsync();
        }

        (await RowsAsync($"from={today}&to={today}&kind=backup&status=queued&host=web1&plan={world.PlanId}")).ShouldBe(1);
        (await RowsAsync($"to={yesterday}")).ShouldBe(0);
        (await RowsAsync("status=failed")).ShouldBe(0);
        (await RowsAsync("kind=restore")).ShouldBe(0);
        await page.GotoAsync($"{world.Url}/jobs?from=2026-13-01");
        (await page.InnerTextAsync("[role=alert]")).ShouldBe("'2026-13-01' is not a day; use yyyy-MM-dd.");
        await page.GotoAsync($"{world.Url}/jobs?host=nobody");
        (await page.InnerTextAsync("[role=alert]")).ShouldBe("No enrolled host 'nobody'.");
    }

    [Fact]
    public async Task AnAdminLabelsAHostOnItsPageAndLabelPlansFollow()
    {
        var web1 = (await Api.HostsAsync(world.Admin)).Single(h => h.Str("hostname") == "web1").Str("id");
        using (var bad = await world.Admin.PutAsJsonAsync($"/api/v1/hosts/{web1}", new { label = new string('x', 101) }))
        {
            bad.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
            (await bad.JsonAsync()).GetProperty("error").GetProperty("code").GetString().ShouldBe("invalid_label");
        }

        (await world.Admin.PutAsJsonAsync("/api/v1/hosts/nobody", new { label = "db" })).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
        var (context, page, _) = await world.SignInAsync();
        await using var _ = context;
        await page.GotoAsync($"{world.Url}/hosts/{web1}");
        await page.FillAsync("#label-form input[name=label]", "databases");
        await page.ClickAsync("#label-form button");
        await Assertions.Expect(page.Locator("#label-form input[name=label]")).ToHaveValueAsync("databases");
        (await Api.HostsAsync(world.Admin)).Single(h => h.Str("id") == web1).Str("label").ShouldBe("databases");

        // A plan by that label now backs web1 up; clearing the label takes it out again.
        using var plan = await world.Admin.PostAsJsonAsync("/api/v1/plans", new { name = "by label", repositoryId = world.RepositoryId, labels = new[] { "databases" }, paths = new[] { "/srv/db" } });
        plan.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);
        await page.GotoAsync($"{world.Url}/hosts/{web1}");
        (await page.Locator("#host-plans tbody tr").AllInnerTextsAsync()).ShouldContain(r => r.StartsWith("by label", StringComparison.Ordinal));
        await page.FillAsync("#label-form input[name=label]", "");
        await page.ClickAsync("#label-form button");
        await Assertions.Expect(page.Locator("#host-plans tbody tr:has-text('by label')")).ToHaveCountAsync(0);
        (await Api.HostsAsync(world.Admin)).Single(h => h.Str("id") == web1).Str("label").ShouldBe("");
        (await world.Admin.DeleteAsync($"/api/v1/plans/{(await plan.JsonAsync()).Str("id")}")).StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
    }

    private async Task<int> JobCountAsync() =>
        (await world.Admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/jobs")).GetArrayLength();

    private async Task<string[]> PlanNamesAsync() =>
        [.. (await world.Admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/plans")).EnumerateArray().Select(p => p.Str("name")).Order()];
}
