using Microsoft.Playwright;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Web;

/// <summary>The web UI in a real browser (Debian's Chromium driven by Playwright) against the published server and agent.</summary>
[Collection(PublishedTreeGroup.Web)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class DashboardBrowserTests(PublishedTree tree)
{
    [Fact]
    public async Task OperatorSignsInAndSeesTheHostOnline()
    {
        await using var stack = await PublishedStack.StartAsync(tree);
        using var agent = stack.RunAgent(await stack.EnrollAsync("web1"));
        await Api.WaitForHostsAsync(stack.Admin, h => h.Any(x => x.GetProperty("status").GetString() == "online"), TimeSpan.FromSeconds(60), "web1 online");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => console.Add(message.Text);

        await page.GotoAsync($"{stack.Url}/");
        page.Url.ShouldStartWith($"{stack.Url}/signin");
        await page.FillAsync("input[name=username]", "admin");
        await page.FillAsync("input[name=password]", "not the password");
        await page.ClickAsync("button[type=submit]");
        (await page.InnerTextAsync("[role=alert]")).ShouldBe("Wrong username or password.");

        await Chromium.SignInAsync(page, stack.Url);

        var row = page.Locator("#hosts tr", new PageLocatorOptions { HasText = "web1" });
        (await row.Locator("td").Nth(1).InnerTextAsync()).ShouldBe("online");
        (await row.Locator("td").Nth(2).InnerTextAsync()).ShouldBe("not protected\nin no enabled plan");
        (await row.InnerTextAsync()).ShouldContain(PublishedTree.Version);
        (await page.EvalOnSelectorAsync<string>("header", "h => getComputedStyle(h).backgroundColor"))
            .ShouldBe("rgb(29, 43, 58)", "the stylesheet is served from wwwroot by the published server");
        console.ShouldNotContain(m => m.Contains("Content Security Policy", StringComparison.Ordinal), string.Join('\n', console));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Join(AppContext.BaseDirectory, "dashboard.png"), FullPage = true });

        await page.ClickAsync("header button[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync($"{stack.Url}/signin");
        await Assertions.Expect(page.Locator("input[name=username]")).ToBeVisibleAsync();
        await page.GotoAsync($"{stack.Url}/");
        page.Url.ShouldStartWith($"{stack.Url}/signin", customMessage: "signed out means the dashboard asks again");
    }
}
