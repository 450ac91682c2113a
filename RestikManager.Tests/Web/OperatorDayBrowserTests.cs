using System.Globalization;
using Microsoft.Playwright;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Web;

/// <summary>
/// An operator's day in the browser against the published server, real agents and real restic, with no API call and
/// no reload: enroll a host from the page and watch it appear; define a repository and a plan through the forms; Run
/// now and watch the progress bar move to succeeded; follow a backup across a server restart; cancel a running backup; browse the snapshot; restore a folder to
/// another host and compare the bytes. Screenshots of each page go to docs/screenshots (see its README).
/// </summary>
[Collection(PublishedTreeGroup.Web)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class OperatorDayBrowserTests(PublishedTree tree)
{
    [Fact]
    public async Task AnOperatorEnrollsBacksUpWatchesCancelsBrowsesAndRestoresInTheBrowser()
    {
        // web2 is already there (the restore target); web1 joins through the page.
        await using var stack = await PublishedStack.StartAsync(tree);
        using var web2 = stack.RunAgent(await stack.EnrollAsync("web2"));
        var source = stack.Root.Of("sources", "web1");
        BackupApi.WriteSampleTree(source, seed: 7);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => console.Add(message.Text);
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.GotoAsync($"{stack.Url}/");
        await Chromium.SignInAsync(page, stack.Url);

        // Add a host: the page shows the install lines, then the host once it is connected, without a reload; the hosts
        // page, open in another tab, shows it join too.
        var hostsTab = await context.NewPageAsync();
        await hostsTab.GotoAsync($"{stack.Url}/");
        await hostsTab.EvaluateAsync("window.notReloaded = true");
        await page.ClickAsync("text=Add a host");
        await page.FillAsync("input[name=Label]", "web");
        await page.ClickAsync("main button[type=submit]");
        var line = await page.InnerTextAsync("#install-linux");
        line.ShouldStartWith($"curl -fsSL {stack.Url}/install/install.sh | sudo sh -s -- --token ");
        await page.EvaluateAsync("window.notReloaded = true");
        await Screenshot(page, "add-host.png");
        using var web1 = stack.RunAgent(await stack.EnrollAsync("web1", line.Split("--token ")[1].Trim()));
        await Assertions.Expect(page.Locator("#enrolled")).ToContainTextAsync("web1 joined and is online", new() { Timeout = 60_000 });
        await Assertions.Expect(hostsTab.Locator("#hosts tbody tr:has-text('web1')")).ToBeVisibleAsync();
        (await hostsTab.EvaluateAsync<bool>("window.notReloaded === true")).ShouldBeTrue("the hosts tab was not reloaded");
        await hostsTab.CloseAsync();
        await Api.WaitForHostsAsync(stack.Admin, h => h.Count(x => x.Str("status") == "online") == 2, TimeSpan.FromSeconds(60), "both online");

        // A repository through its form, initialised on web1: the page follows the init job to its end.
        await page.GotoAsync($"{stack.Url}/repositories/new");
        await page.FillAsync("input[name=Name]", "main");
        await page.FillAsync("input[name=RepositoryUrl]", stack.Root.Of("repo"));
        await page.FillAsync("input[name=Password]", BackupApi.RepoPassword);
        await page.CheckAsync("input[name=Init][type=checkbox]");
        await page.SelectOptionAsync("select[name=InitHost]", new SelectOptionValue { Label = "web1" });
        await page.ClickAsync("#repository-form button[type=submit]");
        await Assertions.Expect(page.Locator("#job-state")).ToHaveAttributeAsync("data-status", "succeeded", new() { Timeout = 90_000 });

        // A plan through its form, slowed to 512 KiB/s so that its progress can be watched.
        await page.GotoAsync($"{stack.Url}/plans/new");
        await page.FillAsync("input[name='Form.Name']", "web1 files");
        await page.SelectOptionAsync("select[name='Form.Hosts']", new SelectOptionValue { Label = "web1" });
        await page.FillAsync("textarea[name='Form.Paths']", source);
        await page.FillAsync("input[name='Form.Schedule']", "0 3 * * *");
        await page.FillAsync("input[name='Form.LimitUploadKiB']", "512");
        await Screenshot(page, "plan-form.png");
        await page.ClickAsync("#plan-form button[type=submit]");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("web1 files");

        // Run now: the progress bar moves while restic reports, and the job ends in succeeded, all without a reload.
        WriteRandomFile(Path.Join(source, "big1.bin"), 4);
        await page.ClickAsync("#run-now button");
        await page.EvaluateAsync("window.notReloaded = true");
        var seen = await WatchProgressAsync(page, "succeeded");
        seen.Distinct().Count().ShouldBeGreaterThanOrEqualTo(2, $"the bar moved: {string.Join(", ", seen)}");
        (await page.EvaluateAsync<bool>("window.notReloaded === true")).ShouldBeTrue("no reload");
        (await page.InnerTextAsync("#job-summary")).ShouldContain("new");
        var backupUrl = page.Url;

        // The server restarts in the middle of a backup: the host keeps backing up, the page's stream reconnects to the
        // new server by itself and catches up to the end, still without a reload.
        WriteRandomFile(Path.Join(source, "big2.bin"), 6);
        await page.GotoAsync($"{stack.Url}/plans");
        await page.ClickAsync("#plans tbody tr:has-text('web1 files') button");
        await Assertions.Expect(page.Locator("#job-progress[value]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await page.EvaluateAsync("window.notReloaded = true");
        await stack.StopServerAsync();
        await stack.StartServerAsync();
        await Assertions.Expect(page.Locator("#job-state")).ToHaveAttributeAsync("data-status", "succeeded", new() { Timeout = 90_000 });
        (await page.EvaluateAsync<bool>("window.notReloaded === true")).ShouldBeTrue("caught up without a reload");

        // Cancel a running backup from its page; the jobs list, open in another tab, shows the new job and its end.
        var jobsTab = await context.NewPageAsync();
        await jobsTab.GotoAsync($"{stack.Url}/jobs");
        await jobsTab.EvaluateAsync("window.notReloaded = true");
        WriteRandomFile(Path.Join(source, "big3.bin"), 8);
        await page.GotoAsync($"{stack.Url}/plans");
        await page.ClickAsync("#plans tbody tr:has-text('web1 files') button");
        await Assertions.Expect(page.Locator("#job-progress[value]:not([value='0'])")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Screenshot(page, "job-running.png");
        await page.ClickAsync("text=Cancel job");
        await Assertions.Expect(page.Locator("#job-state")).ToHaveAttributeAsync("data-status", "cancelled", new() { Timeout = 60_000 });
        await Assertions.Expect(jobsTab.Locator("#jobs tbody tr").First.Locator("td").Nth(4)).ToHaveTextAsync("cancelled");
        (await jobsTab.Locator("#jobs tbody tr").CountAsync()).ShouldBe(4);
        (await jobsTab.EvaluateAsync<bool>("window.notReloaded === true")).ShouldBeTrue("the jobs tab was not reloaded");
        await jobsTab.CloseAsync();
        File.Delete(Path.Join(source, "big3.bin"));

        // The jobs list shows all of it; the finished backup's page links its snapshot.
        await page.GotoAsync($"{stack.Url}/jobs");
        (await page.Locator("#jobs tbody tr").CountAsync()).ShouldBe(4, "init, two backups, the cancelled backup");
        await Screenshot(page, "jobs.png");
        await page.GotoAsync(backupUrl);
        await Screenshot(page, "job.png");
        await page.ClickAsync("#job-state a[href^='/snapshots/']");

        // Browse the snapshot down to one folder of the sample tree, and restore that folder on web2.
        await Assertions.Expect(page.Locator("#snapshot-facts")).ToContainTextAsync("web1");
        foreach (var part in source.Split('/', StringSplitOptions.RemoveEmptyEntries).Append("dir1"))
        {
            await page.ClickAsync($"#tree a:text-is('{part}/')");
        }

        (await page.Locator("#tree tbody tr").AllInnerTextsAsync()).ShouldContain(r => r.StartsWith("nested/", StringComparison.Ordinal));
        await Screenshot(page, "snapshot-browse.png");
        await page.ClickAsync("text=Restore this folder…");
        (await page.InnerTextAsync("#restore-source")).ShouldContain("of web1");
        (await page.InputValueAsync("input[name=Path]")).ShouldBe($"{source}/dir1");
        var target = stack.Root.Of("restored");
        await page.SelectOptionAsync("select[name=Host]", new SelectOptionValue { Label = "web2" });
        await page.FillAsync("input[name=Target]", target);
        await Screenshot(page, "restore.png");
        await page.ClickAsync("#restore-form button[type=submit]");
        await Assertions.Expect(page.Locator("#job-state")).ToHaveAttributeAsync("data-status", "succeeded", new() { Timeout = 90_000 });
        DirectorySnapshot.Take(Path.Join(target, source, "dir1")).ShouldBe(DirectorySnapshot.Take(Path.Join(source, "dir1")));

        // The hosts page is live too: web2 going away shows without a reload.
        await page.GotoAsync($"{stack.Url}/");
        await Screenshot(page, "hosts.png");
        await page.EvaluateAsync("window.notReloaded = true");
        web2.Dispose();
        await Assertions.Expect(page.Locator("#hosts tr:has-text('web2') td").Nth(1)).ToHaveTextAsync("offline", new() { Timeout = 30_000 });
        (await page.EvaluateAsync<bool>("window.notReloaded === true")).ShouldBeTrue("no reload");
        console.ShouldNotContain(m => m.Contains("Content Security Policy", StringComparison.Ordinal), string.Join('\n', console));
    }

    /// <summary>The progress values the page showed until the job reached <paramref name="end"/>.</summary>
    private static async Task<List<string>> WatchProgressAsync(IPage page, string end)
    {
        var seen = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            // Status and bar read in one go: the panel may be swapped between two separate reads.
            var read = await page.EvaluateAsync<string?[]>(
                "() => [document.querySelector('#job-state')?.dataset.status ?? null, document.querySelector('#job-progress')?.getAttribute('value') ?? null]");
            var (status, value) = (read[0], read[1]);
            if (value is not null && (seen.Count == 0 || seen[^1] != value))
            {
                seen.Add(value);
            }

            if (status == end)
            {
                return seen;
            }

            status.ShouldBeOneOf(["queued", "running"], string.Join(", ", seen));
            await page.WaitForTimeoutAsync(200);
        }

        throw new TimeoutException($"the job did not reach {end}; progress seen: {string.Join(", ", seen)}");
    }

    private static void WriteRandomFile(string path, int mebibytes)
    {
        var bytes = new byte[mebibytes * 1024 * 1024];
        Random.Shared.NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
    }

    private static async Task Screenshot(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.Path(name), FullPage = true });
}
