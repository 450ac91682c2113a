using Microsoft.Playwright;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Web;

/// <summary>
/// The dashboard tells the truth about what is protected: real backups with real restic, read in a real browser. Two
/// hosts, one protected and one failing, prove the page end to end; every verdict's rules are HostProtectionTests'.
/// </summary>
[Collection(PublishedTreeGroup.Web)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class ProtectionDashboardTests(PublishedTree tree)
{
    [Fact]
    public async Task EachHostShowsWhetherItsBackupsProtectIt()
    {
        await using var backups = await BackupStack.StartAsync(tree, ["web1", "web2"]);
        var good = await backups.PlanAsync("good", ["web1"]);
        var wrongPassword = await BackupApi.CreateRepositoryAsync(backups.Admin, "wrong password", backups.RepositoryPath, "not the password");
        var failing = await backups.PlanAsync("wrong password", ["web2"], new() { ["repositoryId"] = wrongPassword });
        (await backups.BackupAsync(good, "web1")).Str("status").ShouldBe("succeeded");
        (await backups.BackupAsync(failing, "web2")).Str("status").ShouldBe("failed");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        await page.GotoAsync($"{backups.Stack.Url}/");
        await Chromium.SignInAsync(page, backups.Stack.Url);

        System.Text.RegularExpressions.Regex.Replace(await page.InnerTextAsync("#verdicts"), @"\s+", " ").Trim().ShouldBe("2 hosts: 1 failing 1 protected");
        (await page.Locator("#hosts tbody tr td:first-child").AllInnerTextsAsync()).ShouldBe(["web2", "web1"], "worst first");
        (await Protection(page, "web1")).ShouldStartWith("protected\ngood: succeeded ");
        (await Protection(page, "web2")).ShouldStartWith("failing\nwrong password: failed (wrong_password) ");
        (await Protection(page, "web2")).ShouldEndWith("; last success never");

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Join(AppContext.BaseDirectory, "dashboard-protection.png"), FullPage = true });
        await page.GotoAsync($"{backups.Stack.Url}/jobs");
        var jobs = page.Locator("#jobs tbody tr");
        (await jobs.CountAsync()).ShouldBe(3, "init and the two backups");
        var failed = jobs.Filter(new() { HasText = "web2" }).First;
        (await failed.InnerTextAsync()).ShouldContain("wrong password");
        (await failed.Locator("td").Nth(4).InnerTextAsync()).ShouldBe("failed");
        (await jobs.Filter(new() { HasText = "web1" }).Filter(new() { HasText = "backup" }).Locator("td").Nth(6).InnerTextAsync()).ShouldStartWith("snapshot ");

        // Switching a plan off takes its host out of protection: the page says so on its next load.
        await BackupApi.DisablePlanAsync(backups.Admin, good);

        await page.GotoAsync($"{backups.Stack.Url}/");
        (await Protection(page, "web1")).ShouldBe("not protected\nin no enabled plan");
    }

    private static Task<string> Protection(IPage page, string host) =>
        page.Locator("#hosts tr", new PageLocatorOptions { HasText = host }).Locator("td").Nth(2).InnerTextAsync();
}
