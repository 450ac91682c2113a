using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using RestikManager.Server.Data;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Web;

/// <summary>
/// The hosts page over 10,000 hosts (written straight into the database, one plan over all of them and a backup each):
/// one page of rows, small enough to serve quickly, with a next page, a search and filters. Its speed is bench/fleet.sh's.
/// </summary>
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class HostsAtScaleBrowserTests : IAsyncLifetime
{
    private const int Hosts = 10_000;
    private readonly ServerFactory _server = ServerFactory.OnKestrel();
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    private string Url => _server.ClientOptions.BaseAddress.ToString().TrimEnd('/');

    public async Task InitializeAsync()
    {
        using var admin = await Api.AdminAsync(_server);
        var repository = await BackupApi.CreateRepositoryAsync(admin, "main", "/srv/restic/main");
        var plan = await BackupApi.CreatePlanAsync(admin, new { name = "fleet", repositoryId = repository, labels = new[] { "fleet" }, paths = new[] { "/srv" } });
        using (var connection = _server.Services.GetRequiredService<Database>().Open())
        using (var transaction = connection.BeginTransaction())
        {
            var now = DateTimeOffset.UtcNow;
            var hosts = Enumerable.Range(1, Hosts).Select(i => new { id = $"a{i:00000}", hostname = $"host-{i:00000}", now });
            connection.Execute(
                "INSERT INTO agents (id, hostname, label, credential_hash, enrolled_at, os, arch, agent_version) VALUES (@id, @hostname, 'fleet', 'x' || @id, @now, 'linux', 'amd64', '1')",
                hosts, transaction);

            // Every host backed up once; every tenth one's backup failed.
            connection.Execute(
                "INSERT INTO jobs (id, kind, repository_id, plan_id, agent_id, trigger, status, created_at, started_at, finished_at) " +
                "SELECT 'j' || id, 'backup', @repository, @plan, id, 'schedule', CASE WHEN rowid % 10 = 0 THEN 'failed' ELSE 'succeeded' END, @now, @now, @now FROM agents",
                new { repository, plan, now }, transaction);
            transaction.Commit();
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    [Fact]
    public async Task TheHostsPageIsOnePageOfRowsWithANextPageASearchAndFilters()
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync($"{Url}/signin");
        await page.FillAsync("input[name=username]", "admin");
        await page.FillAsync("input[name=password]", Api.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync($"{Url}/");

        var raw = await page.APIRequest.GetAsync($"{Url}/", new() { Headers = new Dictionary<string, string> { ["Accept-Encoding"] = "identity" } });
        (await raw.BodyAsync()).Length.ShouldBeLessThanOrEqualTo(200 * 1024, "the page at 10,000 hosts, uncompressed");
        System.Text.RegularExpressions.Regex.Replace(await page.InnerTextAsync("#verdicts"), @"\s+", " ").Trim()
            .ShouldBe("10000 hosts: 1000 failing 9000 protected");
        (await page.Locator("#hosts tbody tr").CountAsync()).ShouldBe(50);
        (await page.Locator("#hosts tbody tr td:first-child a").First.InnerTextAsync()).ShouldBe("host-00010", "worst first, then by name");
        (await page.InnerTextAsync(".pager")).ShouldStartWith("10000 hosts, page 1 of 200");

        await page.ClickAsync("a[rel=next]");
        await Assertions.Expect(page.Locator(".pager")).ToContainTextAsync("10000 hosts, page 2 of 200");
        (await page.Locator("#hosts tbody tr td:first-child a").First.InnerTextAsync()).ShouldBe("host-00510");

        await page.FillAsync("input[name=q]", "host-09999");
        await page.ClickAsync("form.filters button");
        await Assertions.Expect(page.Locator(".pager")).ToContainTextAsync("1 hosts, page 1 of 1");
        (await page.Locator("#hosts tbody tr td:first-child a").AllInnerTextsAsync()).ShouldBe(["host-09999"]);

        await page.GotoAsync($"{Url}/");
        await page.SelectOptionAsync("select[name=verdict]", "protected");
        await page.SelectOptionAsync("select[name=status]", "offline");
        await page.ClickAsync("form.filters button");
        await Assertions.Expect(page.Locator(".pager")).ToContainTextAsync("9000 hosts, page 1 of 180");
        (await page.Locator("#hosts tbody td[data-verdict=failing]").CountAsync()).ShouldBe(0);
        await page.ClickAsync("a[rel=next]");
        await Assertions.Expect(page.Locator(".pager")).ToContainTextAsync("9000 hosts, page 2 of 180"); // the filters stay on the next page
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
    }
}
