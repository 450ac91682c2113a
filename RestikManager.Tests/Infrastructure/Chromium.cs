using Microsoft.Playwright;

namespace RestikManager.Tests.Infrastructure;

/// <summary>Debian's Chromium driven by Playwright, kept off the network (the machine has none beyond loopback).</summary>
internal static class Chromium
{
    public const string Path = "/usr/bin/chromium";

    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        File.Exists(Path).ShouldBeTrue("Chromium is installed by ./test.sh (apt-get install chromium)");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>Signs in as the test admin on the sign-in form and waits for the dashboard.</summary>
    public static async Task SignInAsync(IPage page, string serverUrl)
    {
        await page.FillAsync("input[name=username]", "admin");
        await page.FillAsync("input[name=password]", Api.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        // Web-first URL checks, not WaitForURL: that one then waits for the "load" event, and a CI run once
        // timed out there (Playwright saw "networkidle" but had missed "load" on the redirect's page).
        await Assertions.Expect(page).ToHaveURLAsync($"{serverUrl}/");
    }
}
