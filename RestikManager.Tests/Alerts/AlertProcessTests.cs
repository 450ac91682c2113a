using System.Net.Http.Json;
using System.Text.Json;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Alerts;

/// <summary>
/// Alerts end to end with the published server, real agents and real restic: a failed backup and a silent host fire
/// once and resolve once (webhook and email), a missed schedule fires, and a message queued when the server is
/// SIGKILLed is delivered exactly once after it restarts. No secret reaches the API, the logs or the database.
/// </summary>
[Collection(PublishedTreeGroup.Backups)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class AlertProcessTests(PublishedTree tree)
{
    private static readonly Dictionary<string, string?> Fast = new()
    {
        ["Alerts__EvaluateEvery"] = "00:00:00.250",
        ["Alerts__FirstRetryDelay"] = "00:00:00.250",
        ["Alerts__MaxRetryDelay"] = "00:00:01",
    };

    [Fact]
    public async Task AFailedBackupAndASilentHostFireOnceAndResolveOnceByWebhookAndEmail()
    {
        await using var receiver = await HttpReceiver.StartAsync();
        using var smtp = await SmtpReceiver.StartAsync();
        await using var backups = await BackupStack.StartAsync(tree, ["web1"], repositoryUrl: null, init: true, agentOptions: [], serverEnv: Fast);
        var admin = backups.Admin;
        var hook = await AlertDeliveryTests.ChannelAsync(admin, new
        {
            name = "hook", kind = "webhook", url = receiver.Url + "/hook/url-token-5150", secret = "signing-secret-8086",
        });
        var mail = await AlertDeliveryTests.ChannelAsync(admin, new
        {
            name = "mail", kind = "email", smtpHost = "127.0.0.1", smtpPort = smtp.Port, security = "none",
            from = "restic-manager@example.org", to = "ops@example.org",
        });
        await AlertDeliveryTests.RuleAsync(admin, new
        {
            name = "web1", events = new[] { "backup_failed", "host_offline" }, hosts = new[] { "web1" }, offlineAfterMinutes = 0,
            channels = new[] { hook, mail },
        });
        var gone = backups.Stack.Root.Of("gone");
        var plan = await backups.PlanAsync("etc files", ["web1"], new() { ["paths"] = new[] { gone } });

        // A backup of a path that does not exist fails: one firing message, naming host, plan and job.
        var failed = await backups.BackupAsync(plan, "web1");
        failed.Str("status").ShouldBe("failed", failed.ToString());
        var firing = (await receiver.WaitForAsync(r => r.Json.Str("event") == "backup_failed", 1, TimeSpan.FromSeconds(30), "backup_failed")).Single().Json;
        firing.Str("state").ShouldBe("firing");
        (firing.GetProperty("host").Str("name"), firing.GetProperty("plan").Str("name"), firing.GetProperty("job").Str("id"))
            .ShouldBe(("web1", "etc files", failed.Str("id")));
        firing.Str("message").ShouldContain("source_missing");
        await Eventually.TrueAsync(() => smtp.Messages.Count == 1, TimeSpan.FromSeconds(30), "the firing email");
        smtp.Messages[0].ShouldContain("Subject: [restic-manager] FIRING backup_failed: plan etc files on host web1");
        smtp.Messages[0].ShouldContain("The backup of plan 'etc files' on host 'web1' failed");

        // A second failure is the same incident: nothing new is sent.
        (await backups.BackupAsync(plan, "web1")).Str("status").ShouldBe("failed");
        (await Eventually.HoldsAsync(() => receiver.Requests.Count(r => r.Json.Str("event") == "backup_failed") > 1, TimeSpan.FromSeconds(2)))
            .ShouldBeFalse("a failing plan is one incident, not a message per failure");

        // The next success resolves it, once, under the same incident id.
        Directory.CreateDirectory(gone);
        await File.WriteAllTextAsync(Path.Join(gone, "hosts"), "127.0.0.1 localhost\n");
        (await backups.BackupAsync(plan, "web1")).Str("status").ShouldBe("succeeded");
        var messages = await receiver.WaitForAsync(r => r.Json.Str("event") == "backup_failed", 2, TimeSpan.FromSeconds(30), "backup_failed resolved");
        messages.Select(m => m.Json.Str("state")).ShouldBe(["firing", "resolved"]);
        messages[1].Json.Str("incident").ShouldBe(firing.Str("incident"));
        await Eventually.TrueAsync(() => smtp.Messages.Count == 2, TimeSpan.FromSeconds(30), "the resolved email");

        // A stopped agent fires host_offline; back online, it resolves.
        backups.Agent("web1").Dispose();
        var offline = await receiver.WaitForAsync(r => r.Json.Str("event") == "host_offline", 1, TimeSpan.FromSeconds(30), "host_offline");
        offline.Single().Json.Str("state").ShouldBe("firing");
        backups.StartAgent("web1");
        var back = await receiver.WaitForAsync(r => r.Json.Str("event") == "host_offline", 2, TimeSpan.FromSeconds(60), "host_offline resolved");
        back[1].Json.Str("state").ShouldBe("resolved");

        // Every message was signed with the channel's secret.
        receiver.Requests.ShouldAllBe(r => r.Headers["X-RestikManager-Signature"] == Server.Alerts.Sending.ChannelSender.Signature("signing-secret-8086", r.Body));

        // The secrets are nowhere but in secrets.enc.
        var api = await admin.GetStringAsync("/api/v1/notification-channels") + await admin.GetStringAsync("/api/v1/alerts");
        var database = AlertApiTests.DatabaseText(backups.Stack.Root.Of("server-data"));
        foreach (var secret in new[] { "url-token-5150", "signing-secret-8086" })
        {
            api.ShouldNotContain(secret);
            database.ShouldNotContain(secret);
            backups.Stack.AllOutput.ShouldNotContain(secret);
        }
    }

    [Fact]
    public async Task AMissedScheduleFiresAndAMessageQueuedAtASigkillIsDeliveredExactlyOnceAfterRestart()
    {
        await using var backups = await BackupStack.StartAsync(tree, ["web1"], repositoryUrl: null, init: true, agentOptions: [], serverEnv: Fast);
        var admin = backups.Admin;
        // The receiver is not there yet: the message waits in the outbox.
        var port = PublishedStack.FreePort();
        var hook = await AlertDeliveryTests.ChannelAsync(admin, new { name = "hook", kind = "webhook", url = $"http://127.0.0.1:{port}/hook" });
        await AlertDeliveryTests.RuleAsync(admin, new { name = "missed", events = new[] { "backup_overdue" }, channels = new[] { hook } });
        // A host whose agent is not running, under a plan due every second: its second run is soon missed.
        await backups.Stack.EnrollAsync("stopped1");
        await backups.PlanAsync("every second", ["stopped1"], new() { ["paths"] = new[] { "/srv" }, ["schedule"] = "* * * * * ?" });

        await Eventually.TrueAsync(() => Firing(admin).Any(a => a.GetProperty("deliveries")[0].GetProperty("attempts").GetInt64() >= 1),
            TimeSpan.FromSeconds(30), "backup_overdue firing with a delivery attempted");
        var incident = Firing(admin).Single();
        incident.Str("event").ShouldBe("backup_overdue");
        incident.GetProperty("host").Str("name").ShouldBe("stopped1");
        incident.GetProperty("deliveries")[0].Str("status").ShouldBe("pending");

        backups.Stack.KillServer();
        await using var receiver = await HttpReceiver.StartAsync(port);
        await backups.Stack.StartServerAsync();

        var delivered = await receiver.WaitForAsync(_ => true, 1, TimeSpan.FromSeconds(30), "the message queued before the kill");
        delivered.Single().Json.Str("incident").ShouldBe(incident.Str("id"));
        delivered.Single().Json.Str("event").ShouldBe("backup_overdue");
        // Delivered is final: neither more evaluations nor another restart send it again, and the incident is the same one.
        await Eventually.TrueAsync(() => Firing(admin).Single().GetProperty("deliveries")[0].Str("status") == "delivered", TimeSpan.FromSeconds(10), "marked delivered");
        await backups.Stack.StopServerAsync();
        await backups.Stack.StartServerAsync();
        (await Eventually.HoldsAsync(() => receiver.Requests.Count > 1, TimeSpan.FromSeconds(3))).ShouldBeFalse("exactly once");
        Firing(admin).Single().Str("id").ShouldBe(incident.Str("id"));
    }

    private static JsonElement[] Firing(HttpClient admin) => AlertDeliveryTests.Alerts(admin, "firing");
}
