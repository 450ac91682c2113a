using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Alerts;

/// <summary>Channels and rules through the API: secrets go in and never come out, bad input names its field and changes nothing.</summary>
public sealed class AlertApiTests(SharedServer shared) : IDisposable, IClassFixture<SharedServer>
{
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task ChannelSecretsGoInAndNeverComeOut()
    {
        using var admin = await Api.AdminAsync(_server);
        using var created = await admin.PostAsJsonAsync("/api/v1/notification-channels", new
        {
            name = "ops hook", kind = "webhook", url = "https://hooks.example.org/T000/B000/url-token-123", secret = "signing-secret-456",
        });
        var body = await created.JsonAsync();
        created.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
        var id = body.Str("id");
        using var mail = await admin.PostAsJsonAsync("/api/v1/notification-channels", new
        {
            name = "mail", kind = "email", smtpHost = "smtp.example.org", username = "alerts", password = "smtp-password-789",
            from = "backups@example.org", to = "ops@example.org",
        });
        mail.StatusCode.ShouldBe(HttpStatusCode.Created, await mail.Content.ReadAsStringAsync());

        var list = await admin.GetStringAsync("/api/v1/notification-channels");
        var one = await admin.GetStringAsync($"/api/v1/notification-channels/{id}");
        var db = _server.StoredText();
        foreach (var secret in new[] { "url-token-123", "signing-secret-456", "smtp-password-789" })
        {
            list.ShouldNotContain(secret);
            one.ShouldNotContain(secret);
            db.ShouldNotContain(secret);
            _server.AuditText().ShouldNotContain(secret);
            _server.Logs.All.ShouldNotContain(secret);
        }

        var view = JsonDocument.Parse(one).RootElement;
        view.Str("urlHost").ShouldBe("hooks.example.org");
        view.GetProperty("secrets").EnumerateArray().Select(e => e.GetString()).ShouldBe(["url", "secret"]);
        var email = JsonDocument.Parse(list).RootElement.EnumerateArray().Single(c => c.Str("kind") == "email");
        email.GetProperty("to").EnumerateArray().Select(e => e.GetString()).ShouldBe(["ops@example.org"], "a single address is accepted as a list of one");
        email.Str("security").ShouldBe("starttls");
        email.GetProperty("smtpPort").GetInt32().ShouldBe(587);

        // Write-only update: the signing secret removed with "", the URL unchanged, the name changed.
        using var updated = await admin.PutAsJsonAsync($"/api/v1/notification-channels/{id}", new { name = "ops", secret = "" });
        var after = await updated.JsonAsync();
        updated.StatusCode.ShouldBe(HttpStatusCode.OK, after.ToString());
        after.GetProperty("secrets").EnumerateArray().Select(e => e.GetString()).ShouldBe(["url"]);
        after.Str("name").ShouldBe("ops");
    }

    [Theory]
    [InlineData("""{"name":"x","kind":"pager"}""", "kind")]
    [InlineData("""{"name":"x","kind":"webhook","url":"ftp://example.org/hook"}""", "url")]
    [InlineData("""{"name":"x","kind":"webhook","url":"not a url"}""", "url")]
    [InlineData("""{"name":"x","kind":"slack"}""", "url")]
    [InlineData("""{"name":"x","kind":"webhook","url":"http://10.0.0.5/hook","smtpHost":"mail"}""", "smtpHost")]
    [InlineData("""{"name":"x","kind":"email","from":"a@example.org","to":["b@example.org"]}""", "smtpHost")]
    [InlineData("""{"name":"x","kind":"email","smtpHost":"mail","from":"a@example.org","to":[]}""", "to")]
    [InlineData("""{"name":"x","kind":"email","smtpHost":"mail","from":"a@example.org","to":"not-an-address"}""", "to")]
    [InlineData("""{"name":"x","kind":"email","smtpHost":"mail","from":"a@example.org","to":"b@example.org","security":"ssl"}""", "security")]
    [InlineData("""{"name":"x","kind":"ntfy","topic":"has space"}""", "topic")]
    [InlineData("""{"name":"x","kind":"gotify","url":"http://gotify.lan"}""", "token")]
    [InlineData("""{"name":"","kind":"webhook","url":"http://hook.lan"}""", "name")]
    public async Task ABadChannelIsRefusedNamingItsFieldAndNothingIsWritten(string json, string field)
    {
        // Refusals change nothing: every row asks one shared server, on which no channel is ever created.
        var server = shared.Server;
        using var admin = await Api.AdminAsync(server);
        var secretsBefore = SecretsFile(server);

        using var response = await admin.PostAsync("/api/v1/notification-channels", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = (await response.JsonAsync()).GetProperty("error");
        error.Str("code").ShouldBe("invalid_channel");
        error.Str("field").ShouldBe(field);
        error.Str("message").ShouldStartWith(field + ":");
        (await admin.GetFromJsonAsync<JsonElement>("/api/v1/notification-channels")).GetArrayLength().ShouldBe(0);
        SecretsFile(server).ShouldBe(secretsBefore);
    }

    [Fact]
    public async Task ARuleIsCheckedAgainstWhatExists()
    {
        using var admin = await Api.AdminAsync(_server);
        var channel = await ChannelAsync(admin);
        var (agentId, _) = await Api.EnrollAsync(_server, admin, "db1");

        foreach (var (rule, field) in new (object, string)[]
        {
            (new { name = "r", events = new[] { "backup_exploded" } }, "events"),
            (new { name = "r", events = Array.Empty<string>() }, "events"),
            (new { name = "r", channels = new[] { "no-such-channel" } }, "channels"),
            (new { name = "r", plans = new[] { "no-such-plan" } }, "plans"),
            (new { name = "r", hosts = new[] { "no-such-host" } }, "hosts"),
            (new { name = "r", offlineAfterMinutes = -1 }, "offlineAfterMinutes"),
            (new { name = "r", remindEveryMinutes = 99999 }, "remindEveryMinutes"),
        })
        {
            using var refused = await admin.PostAsJsonAsync("/api/v1/alert-rules", rule);
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            var error = (await refused.JsonAsync()).GetProperty("error");
            (error.Str("code"), error.Str("field")).ShouldBe(("invalid_rule", field));
        }

        (await admin.GetFromJsonAsync<JsonElement>("/api/v1/alert-rules")).GetArrayLength().ShouldBe(0, "no refused rule was saved");

        // A host given by name is kept by id; left out, events are all but agent_outdated and the defaults apply.
        using var created = await admin.PostAsJsonAsync("/api/v1/alert-rules", new { name = "db hosts", hosts = new[] { "db1" }, channels = new[] { channel } });
        var saved = await created.JsonAsync();
        created.StatusCode.ShouldBe(HttpStatusCode.Created, saved.ToString());
        saved.GetProperty("hosts").EnumerateArray().Select(e => e.GetString()).ShouldBe([agentId]);
        saved.GetProperty("events").EnumerateArray().Select(e => e.GetString())
            .ShouldBe(["backup_failed", "backup_partial", "backup_overdue", "host_offline", "check_failed", "prune_failed", "drill_failed", "unproven", "copy_failed"]);
        saved.GetProperty("offlineAfterMinutes").GetInt32().ShouldBe(15);
        saved.GetProperty("remindEveryMinutes").GetInt32().ShouldBe(0);
        saved.GetProperty("enabled").GetBoolean().ShouldBeTrue();

        // A channel a rule sends to cannot be deleted; the rule's change keeps what it leaves out.
        using var inUse = await admin.DeleteAsync($"/api/v1/notification-channels/{channel}");
        inUse.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await inUse.JsonAsync()).GetProperty("error").Str("message").ShouldContain("db hosts");
        using var changed = await admin.PutAsJsonAsync($"/api/v1/alert-rules/{saved.Str("id")}", new { enabled = false, channels = Array.Empty<string>() });
        var after = await changed.JsonAsync();
        after.GetProperty("enabled").GetBoolean().ShouldBeFalse();
        after.GetProperty("hosts").GetArrayLength().ShouldBe(1);
        (await admin.DeleteAsync($"/api/v1/notification-channels/{channel}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task AViewerReadsButCannotChangeOrTest()
    {
        using var admin = await Api.AdminAsync(_server);
        var channel = await ChannelAsync(admin);
        using (var user = await admin.PostAsJsonAsync("/api/v1/users", new { username = "watcher", password = "watcher-password-1", role = "viewer" }))
        {
            user.IsSuccessStatusCode.ShouldBeTrue(await user.Content.ReadAsStringAsync());
        }

        using var viewer = _server.CreateClient().WithBearer(await Api.TokenAsync(_server.CreateClient(), "watcher", "watcher-password-1"));

        (await viewer.GetAsync("/api/v1/notification-channels")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await viewer.GetAsync("/api/v1/alerts?state=firing")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await viewer.PostAsync($"/api/v1/notification-channels/{channel}/test", null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await viewer.PostAsJsonAsync("/api/v1/alert-rules", new { name = "r" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await viewer.GetAsync("/api/v1/alerts?state=open")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    private static async Task<string> ChannelAsync(HttpClient admin)
    {
        using var created = await admin.PostAsJsonAsync("/api/v1/notification-channels", new { name = "hook", kind = "webhook", url = "http://127.0.0.1:9/hook" });
        var body = await created.JsonAsync();
        created.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
        return body.Str("id");
    }

    /// <summary>The database file and its write-ahead log as text, read while the server has them open.</summary>
    internal static string DatabaseText(string dataDir) => string.Concat(new[] { "restic-manager.db", "restic-manager.db-wal" }
        .Select(f => Path.Join(dataDir, f)).Where(File.Exists).Select(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, System.Text.Encoding.Latin1);
            return reader.ReadToEnd();
        }));

    private byte[] SecretsFile() => SecretsFile(_server);

    private static byte[] SecretsFile(ServerFactory server) => server.StoredSecrets();
}
