using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Web;

/// <summary>
/// The real server in-process on Kestrel with one browser: an admin, an operator and a viewer, a host "web1" (enrolled,
/// no agent running), repository "main" and plan "web files". Shared by a test class whose cases add what they need.
/// </summary>
public sealed class WebUiWorld : IAsyncLifetime
{
    internal ServerFactory Server { get; } = ServerFactory.OnKestrel();

    internal string Url => Server.ClientOptions.BaseAddress.ToString().TrimEnd('/');

    internal HttpClient Admin { get; private set; } = null!;

    internal string RepositoryId { get; private set; } = "";

    internal string PlanId { get; private set; } = "";

    internal IPlaywright Playwright { get; private set; } = null!;

    internal IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Admin = await Api.AdminAsync(Server);
        var token = await Api.EnrollmentTokenAsync(Admin);
        using var http = Server.CreateClient();
        (await http.PostAsJsonAsync("/agent/enroll", new { token, hostname = "web1", os = "linux", arch = "amd64", agentVersion = "1" }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        RepositoryId = await BackupApi.CreateRepositoryAsync(Admin, "main", "/srv/restic/main");
        PlanId = await BackupApi.CreatePlanAsync(Admin, new { name = "web files", repositoryId = RepositoryId, hosts = new[] { "web1" }, paths = new[] { "/srv/www" }, schedule = "0 30 2 * * ?" });
        foreach (var (name, role) in new[] { ("olivia", "operator"), ("victor", "viewer") })
        {
            using var created = await Admin.PostAsJsonAsync("/api/v1/users", new { username = name, password = Password(name), role });
            created.StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Chromium.LaunchAsync(Playwright);
    }

    internal static string Password(string user) => user == "admin" ? Api.AdminPassword : $"{user}-password-123";

    /// <summary>A new browser context (its own cookies) signed in as <paramref name="user"/>; CSP reports are collected.</summary>
    internal async Task<(IBrowserContext Context, IPage Page, List<string> Console)> SignInAsync(string user = "admin", int width = 1280)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = 900 } });
        var page = await context.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => console.Add(message.Text);
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.GotoAsync($"{Url}/signin");
        await page.FillAsync("input[name=username]", user);
        await page.FillAsync("input[name=password]", Password(user));
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync($"{Url}/");
        return (context, page, console);
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
        Admin.Dispose();
        await Server.DisposeAsync();
    }
}
