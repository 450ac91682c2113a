using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RestikManager.Tests.Infrastructure;
using static RestikManager.Tests.Infrastructure.FaultyReceiver;

namespace RestikManager.Tests.Alerts;

/// <summary>
/// Nothing a receiver does stops the server: each case is a real receiver that fails in its own way (an SMTP server
/// without STARTTLS, one that closes the connection, a TLS port with a self-signed certificate, an HTTP receiver that
/// hangs, answers 500 or 404, a port with nothing listening, a name that does not resolve). Its delivery ends failed
/// with the reason in words, the server stays healthy, a good channel on the same rule gets its message, and the rule's
/// good channel is told that the broken one is failing. One server for every case (each has its own host and rule).
/// </summary>
public sealed class DeliveryFaultTests(DeliveryFaultTests.World world) : IClassFixture<DeliveryFaultTests.World>
{
    // A label longer than 63 characters: the resolver refuses the name itself, so no query leaves this machine.
    private static readonly string Unresolvable = new string('x', 64) + ".invalid";

    public sealed class World : IAsyncLifetime
    {
        internal ServerFactory Server { get; } = new(Fast());

        internal HttpClient Admin { get; private set; } = null!;

        internal HttpReceiver Good { get; private set; } = null!;

        internal SmtpReceiver Smtp { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Admin = await Api.AdminAsync(Server);
            Good = await HttpReceiver.StartAsync();
            Smtp = await SmtpReceiver.StartAsync();
        }

        public async Task DisposeAsync()
        {
            Admin.Dispose();
            await Good.DisposeAsync();
            Smtp.Dispose();
            Server.Dispose();
        }
    }

    /// <summary>Evaluations and retries made quick: a failing delivery is given up after its first retry.</summary>
    internal static Dictionary<string, string> Fast(string retryFor = "00:00:01") => new()
    {
        ["Alerts:EvaluateEvery"] = "00:00:00.200",
        ["Alerts:RetryFor"] = retryFor,
        ["Alerts:FirstRetryDelay"] = "00:00:00.200",
        ["Alerts:SendTryTimeout"] = "00:00:01",
        ["Alerts:SendRetries"] = "1",
        ["Alerts:SendRetryDelay"] = "00:00:00.050",
    };

    public static TheoryData<string> Faults => new()
    {
        "smtp-without-starttls", "smtp-closes", "smtp-self-signed-tls", "http-hangs", "http-500", "http-404", "http-nothing-listening",
        "http-unresolvable", "https-self-signed",
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task AFailingReceiverIsAFailedDeliveryWithItsReasonAndTheServerGoesOn(string fault)
    {
        await using var closes = Start(Behaviour.Closes);
        await using var hangs = Start(Behaviour.Hangs);
        await using var tls = Start(Behaviour.SelfSignedTls);
        await using var answers = await HttpReceiver.StartAsync();
        answers.Status = fault == "http-404" ? 404 : 500;
        var free = PublishedStack.FreePort();
        var email = (string host, int port, string security) => new
        {
            name = fault, kind = "email", smtpHost = host, smtpPort = port, security, from = "rm@example.org", to = new[] { "ops@example.org" },
        };
        var webhook = (string url) => new { name = fault, kind = "webhook", url };
        var (channel, reason) = fault switch
        {
            "smtp-without-starttls" => ((object)email("127.0.0.1", world.Smtp.Port, "starttls"),
                $"the SMTP server at 127.0.0.1:{world.Smtp.Port} does not offer STARTTLS; choose security 'none' or 'tls'"),
            "smtp-closes" => (email("127.0.0.1", closes.Port, "none"), $"the SMTP server at 127.0.0.1:{closes.Port} closed the connection"),
            "smtp-self-signed-tls" => (email("127.0.0.1", tls.Port, "tls"), $"the SMTP server at 127.0.0.1:{tls.Port} showed a certificate this server does not trust"),
            "http-hangs" => (webhook($"http://127.0.0.1:{hangs.Port}/hook"), $"127.0.0.1:{hangs.Port} did not answer in time"),
            "http-500" => (webhook(answers.Url + "/hook?token=secret-in-query"), "answered HTTP 500"),
            "http-404" => (webhook(answers.Url + "/hook"), "answered HTTP 404 Not Found (check the URL"),
            "http-nothing-listening" => (webhook($"http://127.0.0.1:{free}/hook"), $"nothing accepts connections at 127.0.0.1:{free} (connection refused)"),
            "http-unresolvable" => (webhook($"http://{Unresolvable}/hook"), "does not resolve"),
            "https-self-signed" => (webhook($"https://127.0.0.1:{tls.Port}/hook"), "the TLS handshake failed"),
            _ => throw new ArgumentOutOfRangeException(nameof(fault)),
        };
        var bad = await AlertDeliveryTests.ChannelAsync(world.Admin, channel);
        var good = await AlertDeliveryTests.ChannelAsync(world.Admin, new { name = "good for " + fault, kind = "webhook", url = world.Good.Url + "/good/" + fault });
        var (agentId, _) = await Api.EnrollAsync(world.Server, world.Admin, "host-" + fault);
        await AlertDeliveryTests.RuleAsync(world.Admin, new
        {
            name = "rule for " + fault, events = new[] { "host_offline" }, hosts = new[] { agentId }, offlineAfterMinutes = 0, channels = new[] { bad, good },
        });

        // The good channel on the same rule gets the message, whatever the bad one does.
        var firing = await world.Good.WaitForAsync(r => r.PathAndQuery == "/good/" + fault && r.Json.Str("event") == "host_offline", 1,
            TimeSpan.FromSeconds(20), "the good channel's message");
        firing[0].Json.GetProperty("host").Str("id").ShouldBe(agentId);

        // The bad one's delivery ends failed, with the reason in words (and no token of the URL).
        JsonElement delivery = default;
        await Eventually.TrueAsync(() => (delivery = BadDelivery(agentId, bad)).ValueKind == JsonValueKind.Object && delivery.Str("status") == "failed",
            TimeSpan.FromSeconds(30), "the bad channel's delivery marked failed", () => delivery.ToString());
        delivery.Str("lastError").ShouldContain(reason, Case.Sensitive, delivery.ToString());
        delivery.Str("lastError").ShouldNotContain("secret-in-query");

        // The channel shows as failing, and the rule's good channel is told (never the failing one itself).
        var told = await world.Good.WaitForAsync(r => r.PathAndQuery == "/good/" + fault && r.Json.Str("event") == "channel_failing", 1,
            TimeSpan.FromSeconds(20), "channel_failing on the good channel");
        told[0].Json.Str("message").ShouldContain($"'{fault}' is failing");
        told[0].Json.Str("url").ShouldEndWith("/notifications");
        var view = await world.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/notification-channels/{bad}");
        view.GetProperty("failing").GetBoolean().ShouldBeTrue(view.ToString());
        view.GetProperty("failedInARow").GetInt64().ShouldBe(1);
        using (var browser = await PageSession.SignInAsync(world.Server))
        {
            (await browser.GetStringAsync($"/notifications/channels/{bad}")).ShouldContain("id=\"channel-failing\"");
            (await browser.GetStringAsync("/notifications")).ShouldContain($"<tr data-channel-id=\"{bad}\" class=\"failing\">");
        }

        Alerts("firing").Count(a => a.Str("event") == "channel_failing" && a.GetProperty("deliveries").EnumerateArray()
            .Any(d => d.GetProperty("channel").Str("id") == bad)).ShouldBe(0, "a failing channel is not told it fails");

        // The server is still serving, and no background loop counted a fault: a receiver's failure is data.
        using var health = await world.Server.CreateClient().GetAsync("/health");
        health.StatusCode.ShouldBe(HttpStatusCode.OK);
        var metrics = await world.Admin.GetStringAsync("/metrics");
        metrics.ShouldContain("restic_manager_background_faults_total{worker=\"alert-outbox\"} 0");
        world.Server.Logs.All.ShouldNotContain("BackgroundService failed");
    }

    [Fact]
    public async Task SendTestToAServerWithoutStartTlsIsA502ThatSaysWhatToChoose()
    {
        var id = await AlertDeliveryTests.ChannelAsync(world.Admin, new
        {
            name = "relay", kind = "email", smtpHost = "127.0.0.1", smtpPort = world.Smtp.Port, security = "starttls",
            from = "rm@example.org", to = new[] { "ops@example.org" },
        });

        using var tested = await world.Admin.PostAsync($"/api/v1/notification-channels/{id}/test", null);

        var body = await tested.JsonAsync();
        tested.StatusCode.ShouldBe(HttpStatusCode.BadGateway, body.ToString());
        body.GetProperty("error").Str("code").ShouldBe("delivery_failed");
        body.GetProperty("error").Str("message").ShouldBe(
            $"the SMTP server at 127.0.0.1:{world.Smtp.Port} does not offer STARTTLS; choose security 'none' or 'tls' (usually port 25 for a local relay, 465 for TLS)");
        var view = await world.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/notification-channels/{id}");
        view.GetProperty("lastDelivery").Str("status").ShouldBe("failed");
        view.GetProperty("failing").GetBoolean().ShouldBeFalse("a failed Send test alone does not make a channel failing");
        (await world.Server.CreateClient().GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ADeliveryStillPendingToABrokenReceiverAtARestartIsRetriedAndTheNewServerStaysUp()
    {
        using var dataDir = new TempDir("rm-restart");
        var settings = ServerFactory.Restartable(Fast(retryFor: "00:10:00"));
        settings["RM_DATA_DIR"] = dataDir.Path;
        string bad, agentId;
        long attemptsBefore;
        using (var first = new ServerFactory(new(settings)))
        {
            using var admin = await Api.AdminAsync(first);
            bad = await AlertDeliveryTests.ChannelAsync(admin, new
            {
                name = "relay", kind = "email", smtpHost = "127.0.0.1", smtpPort = world.Smtp.Port, security = "starttls",
                from = "rm@example.org", to = new[] { "ops@example.org" },
            });
            (agentId, _) = await Api.EnrollAsync(first, admin, "restarted");
            await AlertDeliveryTests.RuleAsync(admin, new { name = "r", events = new[] { "host_offline" }, offlineAfterMinutes = 0, channels = new[] { bad } });
            JsonElement pending = default;
            await Eventually.TrueAsync(() => (pending = Delivery(admin, agentId, bad)).ValueKind == JsonValueKind.Object && pending.GetProperty("attempts").GetInt64() >= 1,
                TimeSpan.FromSeconds(20), "a failed attempt, still pending");
            pending.Str("status").ShouldBe("pending");
            attemptsBefore = pending.GetProperty("attempts").GetInt64();
        }

        // The crash loop this guards against: the next start sent the same delivery, failed the same way, and stopped.
        using var second = new ServerFactory(new(settings));
        using var again = await Api.AdminAsync(second);
        await Eventually.TrueAsync(() => Delivery(again, agentId, bad).GetProperty("attempts").GetInt64() > attemptsBefore,
            TimeSpan.FromSeconds(20), "the delivery tried again after the restart");
        Delivery(again, agentId, bad).Str("lastError").ShouldContain("does not offer STARTTLS");
        (await second.CreateClient().GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);
        second.Logs.All.ShouldNotContain("BackgroundService failed");
    }

    private static JsonElement Delivery(HttpClient admin, string agentId, string channelId) =>
        AlertDeliveryTests.Alerts(admin, "firing").Where(a => a.Str("event") == "host_offline" && a.GetProperty("host").Str("id") == agentId)
            .SelectMany(a => a.GetProperty("deliveries").EnumerateArray()).FirstOrDefault(d => d.GetProperty("channel").Str("id") == channelId);

    private JsonElement BadDelivery(string agentId, string channelId) =>
        Alerts("firing").Where(a => a.Str("event") == "host_offline" && a.GetProperty("host").Str("id") == agentId)
            .SelectMany(a => a.GetProperty("deliveries").EnumerateArray()).FirstOrDefault(d => d.GetProperty("channel").Str("id") == channelId);

    private JsonElement[] Alerts(string state) => AlertDeliveryTests.Alerts(world.Admin, state);
}
