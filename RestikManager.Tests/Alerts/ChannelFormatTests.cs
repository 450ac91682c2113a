using System.Net.Http.Json;
using System.Text.Json;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Alerts;

/// <summary>Send test on every kind of channel, received by a real HTTP receiver and a real SMTP server, in each receiver's own format.</summary>
public sealed class ChannelFormatTests : IDisposable
{
    private readonly ServerFactory _server = new(new() { ["RM_BASE_URL"] = "https://backups.example.org" });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task EveryHttpKindSpeaksItsReceiversFormat()
    {
        await using var receiver = await HttpReceiver.StartAsync();
        using var admin = await Api.AdminAsync(_server);
        var url = receiver.Url;
        var channels = new (string Path, object Body)[]
        {
            ("/slack/T1/B2/xyz", new { name = "slack", kind = "slack", url = url + "/slack/T1/B2/xyz" }),
            ("/discord/api/webhooks/1/abc", new { name = "discord", kind = "discord", url = url + "/discord/api/webhooks/1/abc" }),
            ("/", new { name = "ntfy", kind = "ntfy", url, topic = "backups", token = "tk_ntfy" }),
            ("/message", new { name = "gotify", kind = "gotify", url, token = "gotify-app-token" }),
            ("/hc/1234", new { name = "healthchecks", kind = "healthchecks", url = url + "/hc/1234" }),
            ("/hook", new { name = "webhook", kind = "webhook", url = url + "/hook", secret = "s3cret" }),
        };
        foreach (var (_, body) in channels)
        {
            var id = await AlertDeliveryTests.ChannelAsync(admin, body);
            using var tested = await admin.PostAsync($"/api/v1/notification-channels/{id}/test", null);
            var result = await tested.JsonAsync();
            result.GetProperty("delivered").GetBoolean().ShouldBeTrue(result.ToString());
        }

        var got = receiver.Requests.ToDictionary(r => r.PathAndQuery);
        got.Keys.Order().ShouldBe(channels.Select(c => c.Path).Order());
        got["/slack/T1/B2/xyz"].Json.Str("text").ShouldContain("[restic-manager] TEST test");
        got["/discord/api/webhooks/1/abc"].Json.Str("content").ShouldContain("A test message from restic-manager");
        var ntfy = got["/"];
        (ntfy.Json.Str("topic"), ntfy.Json.Str("click"), ntfy.Headers["Authorization"]).ShouldBe(("backups", "https://backups.example.org/notifications", "Bearer tk_ntfy"));
        var gotify = got["/message"];
        gotify.Headers["X-Gotify-Key"].ShouldBe("gotify-app-token");
        gotify.Json.GetProperty("priority").GetInt32().ShouldBeGreaterThan(0);
        got["/hc/1234"].Text.ShouldContain("A test message");
        var hook = got["/hook"];
        hook.Json.Str("event").ShouldBe("test");
        hook.Headers["X-RestikManager-Signature"].ShouldBe(Server.Alerts.Sending.ChannelSender.Signature("s3cret", hook.Body));

        // The last delivery of each channel is the test, delivered.
        foreach (var channel in (await admin.GetFromJsonAsync<JsonElement>("/api/v1/notification-channels")).EnumerateArray())
        {
            channel.GetProperty("lastDelivery").Str("status").ShouldBe("delivered", channel.Str("name"));
        }
    }

    [Fact]
    public async Task ATestToAnUnreachableReceiverSaysWhyWithoutItsToken()
    {
        using var admin = await Api.AdminAsync(_server);
        var id = await AlertDeliveryTests.ChannelAsync(admin, new
        {
            name = "nowhere", kind = "slack", url = $"http://127.0.0.1:{PublishedStack.FreePort()}/services/T0/B0/secret-token-in-path",
        });

        using var tested = await admin.PostAsync($"/api/v1/notification-channels/{id}/test", null);

        tested.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadGateway);
        var error = (await tested.JsonAsync()).GetProperty("error");
        error.Str("code").ShouldBe("delivery_failed");
        error.Str("message").ShouldContain("could not be reached: nothing accepts connections at 127.0.0.1:");
        error.Str("message").ShouldNotContain("secret-token-in-path");
        _server.Logs.All.ShouldNotContain("secret-token-in-path");
        var view = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/notification-channels/{id}");
        view.GetProperty("lastDelivery").Str("status").ShouldBe("failed");
    }

    [Fact]
    public async Task AnEmailTestArrivesThroughARealSmtpServer()
    {
        using var smtp = await SmtpReceiver.StartAsync();
        using var admin = await Api.AdminAsync(_server);
        var id = await AlertDeliveryTests.ChannelAsync(admin, new
        {
            name = "mail", kind = "email", smtpHost = "127.0.0.1", smtpPort = smtp.Port, security = "none",
            from = "restic-manager@example.org", to = new[] { "ops@example.org", "oncall@example.org" },
        });

        var result = await (await admin.PostAsync($"/api/v1/notification-channels/{id}/test", null)).JsonAsync();

        result.GetProperty("delivered").GetBoolean().ShouldBeTrue(result.ToString());
        await Eventually.TrueAsync(() => smtp.Messages.Count == 1, TimeSpan.FromSeconds(10), "the email in the maildir");
        var mail = smtp.Messages.Single();
        mail.ShouldContain("Subject: [restic-manager] TEST test");
        mail.ShouldContain("To: ops@example.org, oncall@example.org");
        mail.ShouldContain("From: restic-manager@example.org");
        mail.ShouldContain("A test message from restic-manager to channel 'mail'");
    }
}
