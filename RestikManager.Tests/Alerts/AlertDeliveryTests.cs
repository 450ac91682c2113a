using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using RestikManager.Server.Alerts;
using RestikManager.Server.Alerts.Sending;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Alerts;

/// <summary>
/// Incidents and their deliveries in the real server (in-process) to a real HTTP receiver: a host that never connects
/// is the incident (host_offline after 0 minutes), so no agent is needed here; the agents' own events are proven with
/// real restic in AlertProcessTests.
/// </summary>
public sealed class AlertDeliveryTests
{
    private static Dictionary<string, string> Fast(string retryFor = "00:15:00")
    {
        var settings = DeliveryFaultTests.Fast(retryFor);
        settings["RM_BASE_URL"] = "https://backups.example.org/";
        return settings;
    }

    [Fact]
    public async Task AnOfflineHostFiresOnceSignedAndClosesQuietlyWhenRevoked()
    {
        await using var receiver = await HttpReceiver.StartAsync();
        using var server = new ServerFactory(Fast());
        using var admin = await Api.AdminAsync(server);
        var channel = await ChannelAsync(admin, new { name = "hook", kind = "webhook", url = receiver.Url + "/hook?token=t0ken", secret = "hmac-secret" });
        await RuleAsync(admin, new { name = "silent hosts", events = new[] { "host_offline" }, offlineAfterMinutes = 0, channels = new[] { channel } });

        var (agentId, _) = await Api.EnrollAsync(server, admin, "web9");

        var firing = (await receiver.WaitForAsync(r => r.PathAndQuery == "/hook?token=t0ken", 1, TimeSpan.FromSeconds(20), "the firing message")).Single();
        var body = firing.Json;
        body.Str("event").ShouldBe("host_offline");
        body.Str("state").ShouldBe("firing");
        body.GetProperty("host").Str("id").ShouldBe(agentId);
        body.GetProperty("host").Str("name").ShouldBe("web9");
        body.GetProperty("plan").ValueKind.ShouldBe(JsonValueKind.Null);
        body.GetProperty("job").ValueKind.ShouldBe(JsonValueKind.Null);
        body.Str("message").ShouldContain("web9");
        body.Str("at").ShouldMatch(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$");
        body.Str("url").ShouldBe($"https://backups.example.org/hosts/{agentId}");
        firing.Headers["X-RestikManager-Signature"].ShouldBe(ChannelSender.Signature("hmac-secret", firing.Body));
        firing.Headers["X-RestikManager-Signature"].ShouldBe("sha256=" + Convert.ToHexStringLower(
            System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes("hmac-secret"), firing.Body)));

        // Many evaluations later it has still fired once.
        (await Eventually.HoldsAsync(() => receiver.Requests.Count > 1, TimeSpan.FromSeconds(2))).ShouldBeFalse("one incident, one message");
        var alert = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/alerts?state=firing")).EnumerateArray().Single();
        alert.Str("id").ShouldBe(body.Str("incident"));
        var delivery = alert.GetProperty("deliveries").EnumerateArray().Single();
        (delivery.Str("status"), delivery.GetProperty("attempts").GetInt64(), delivery.GetProperty("channel").Str("name")).ShouldBe(("delivered", 1L, "hook"));

        // A revoked host is no longer watched: its incident closes without a message.
        (await admin.PostAsync($"/api/v1/hosts/{agentId}/revoke", null)).IsSuccessStatusCode.ShouldBeTrue();
        await Eventually.TrueAsync(() => Alerts(admin, "resolved").Length == 1, TimeSpan.FromSeconds(10), "the incident closed");
        (await Eventually.HoldsAsync(() => receiver.Requests.Count > 1, TimeSpan.FromSeconds(1))).ShouldBeFalse("closing for a revoked host sends nothing");
    }

    [Fact]
    public async Task AReceiverAnswering500IsRetriedThenMarkedFailed()
    {
        await using var receiver = await HttpReceiver.StartAsync();
        receiver.Status = 500;
        using var server = new ServerFactory(Fast(retryFor: "00:00:02"));
        using var admin = await Api.AdminAsync(server);
        var channel = await ChannelAsync(admin, new { name = "broken", kind = "webhook", url = receiver.Url + "/broken" });
        await RuleAsync(admin, new { name = "all", events = new[] { "host_offline" }, offlineAfterMinutes = 0, channels = new[] { channel } });

        await Api.EnrollAsync(server, admin, "web8");

        JsonElement Offline() => Alerts(admin, "firing").SingleOrDefault(a => a.Str("event") == "host_offline");
        await Eventually.TrueAsync(() => Offline().ValueKind == JsonValueKind.Object
            && Offline().GetProperty("deliveries")[0].Str("status") == "failed", TimeSpan.FromSeconds(60), "the delivery marked failed");
        var delivery = Offline().GetProperty("deliveries")[0];
        delivery.GetProperty("attempts").GetInt64().ShouldBeGreaterThan(1, "retried after a backoff before it was given up");
        delivery.Str("lastError").ShouldContain("HTTP 500");
        receiver.Requests.Count.ShouldBeGreaterThan(1);
        var metrics = await admin.GetStringAsync("/metrics");
        metrics.ShouldContain("restic_manager_alert_deliveries{status=\"failed\"} 1");
        var view = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/notification-channels/{channel}");
        view.GetProperty("lastDelivery").Str("status").ShouldBe("failed");
        view.GetProperty("failing").GetBoolean().ShouldBeTrue();

        // The rule's only channel is the failing one: its channel_failing incident fires, and is told to no one.
        await Eventually.TrueAsync(() => Alerts(admin, "firing").Any(a => a.Str("event") == "channel_failing"), TimeSpan.FromSeconds(10), "channel_failing fired");
        Alerts(admin, "firing").Single(a => a.Str("event") == "channel_failing").GetProperty("deliveries").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task AFiringIncidentRemindsAtMostEveryRemindInterval()
    {
        await using var receiver = await HttpReceiver.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var server = new ServerFactory(Fast()) { Replace = s => s.AddSingleton<TimeProvider>(clock) };
        using var admin = await Api.AdminAsync(server);
        var channel = await ChannelAsync(admin, new { name = "hook", kind = "webhook", url = receiver.Url + "/remind" });
        await RuleAsync(admin, new { name = "remind", events = new[] { "host_offline" }, offlineAfterMinutes = 0, remindEveryMinutes = 60, channels = new[] { channel } });
        await Api.EnrollAsync(server, admin, "web7");
        var evaluator = server.Services.GetRequiredService<AlertEvaluator>();

        evaluator.Evaluate();
        await receiver.WaitForAsync(_ => true, 1, TimeSpan.FromSeconds(20), "the first message");
        // (The evaluator's own loop also wakes when the clock moves; either evaluation may be the one that reminds.)
        clock.Advance(TimeSpan.FromMinutes(59));
        evaluator.Evaluate();
        (await Eventually.HoldsAsync(() => receiver.Requests.Count > 1, TimeSpan.FromSeconds(1))).ShouldBeFalse("no reminder before the interval");
        clock.Advance(TimeSpan.FromMinutes(2));
        evaluator.Evaluate();
        evaluator.Evaluate();
        var messages = await receiver.WaitForAsync(_ => true, 2, TimeSpan.FromSeconds(20), "the reminder");
        (await Eventually.HoldsAsync(() => receiver.Requests.Count > 2, TimeSpan.FromSeconds(1))).ShouldBeFalse("one reminder per interval");
        Alerts(admin, "firing").Single().GetProperty("reminders").GetInt64().ShouldBe(1);
        messages.Select(m => m.Json.Str("state")).ShouldBe(["firing", "firing"]);
        messages[1].Json.Str("message").ShouldStartWith("Still firing: ");
        messages[1].Json.Str("incident").ShouldBe(messages[0].Json.Str("incident"));
    }

    internal static async Task<string> ChannelAsync(HttpClient admin, object channel)
    {
        using var created = await admin.PostAsJsonAsync("/api/v1/notification-channels", channel);
        var body = await created.JsonAsync();
        created.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
        return body.Str("id");
    }

    internal static async Task<string> RuleAsync(HttpClient admin, object rule)
    {
        using var created = await admin.PostAsJsonAsync("/api/v1/alert-rules", rule);
        var body = await created.JsonAsync();
        created.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
        return body.Str("id");
    }

    internal static JsonElement[] Alerts(HttpClient admin, string state) =>
        [.. admin.GetFromJsonAsync<JsonElement>($"/api/v1/alerts?state={state}").GetAwaiter().GetResult().EnumerateArray()];
}
