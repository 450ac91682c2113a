using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Backups;

/// <summary>Secrets go in and never come back; a good plan is saved and replaced; a restore names what it lacks. (Refusals: BackupApiRefusalTests.)</summary>
public sealed class BackupApiValidationTests : IDisposable
{
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task RepositorySecretsGoInAndNeverComeOut()
    {
        using var admin = await Api.AdminAsync(_server);
        using var created = await admin.PostAsJsonAsync("/api/v1/repositories", new
        {
            name = "offsite",
            url = "rest:https://backup:rest-password-123@rest.example.org:8000/repo/",
            password = "repo-password-456",
            credentials = new Dictionary<string, string> { ["AWS_SECRET_ACCESS_KEY"] = "aws-secret-789" },
        });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await created.JsonAsync()).Str("id");

        var text = await (await admin.GetAsync($"/api/v1/repositories/{id}")).Content.ReadAsStringAsync();
        var list = await (await admin.GetAsync("/api/v1/repositories")).Content.ReadAsStringAsync();
        foreach (var secret in new[] { "rest-password-123", "repo-password-456", "aws-secret-789" })
        {
            text.ShouldNotContain(secret);
            list.ShouldNotContain(secret);
            _server.AuditText().ShouldNotContain(secret);
        }

        var view = JsonDocument.Parse(text).RootElement;
        view.Str("url").ShouldBe("rest:https://backup:***@rest.example.org:8000/repo/");
        view.GetProperty("hasPassword").GetBoolean().ShouldBeTrue();
        view.GetProperty("credentials").EnumerateArray().Select(e => e.GetString()).ShouldBe(["AWS_SECRET_ACCESS_KEY"]);

        // Write-only update: a new password; a credential removed with null; the rest unchanged.
        using var updated = await admin.PutAsJsonAsync($"/api/v1/repositories/{id}",
            new { password = "new-password", credentials = new Dictionary<string, string?> { ["AWS_SECRET_ACCESS_KEY"] = null } });
        updated.StatusCode.ShouldBe(HttpStatusCode.OK);
        var after = await updated.JsonAsync();
        after.Str("url").ShouldBe(view.Str("url"));
        after.GetProperty("credentials").GetArrayLength().ShouldBe(0);
        after.Str("name").ShouldBe("offsite");
    }

    [Fact]
    public async Task AGoodPlanIsSavedWithItsFieldsAndCanBeReplaced()
    {
        using var admin = await Api.AdminAsync(_server);
        var plan = await GoodPlanAsync(admin);
        plan["schedule"] = "30 2 * * 1-5";
        plan["timeZone"] = "Europe/Berlin";
        plan["retention"] = new { keepDaily = 7, keepWeekly = 4, keepWithin = "2y6m" };
        plan["forgetSchedule"] = "0 0 5 ? * SUN";

        using var created = await admin.PostAsJsonAsync("/api/v1/plans", plan);

        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var saved = await created.JsonAsync();
        saved.Str("timeZone").ShouldBe("Europe/Berlin");
        saved.GetProperty("retention").GetProperty("keepDaily").GetInt32().ShouldBe(7);
        saved.GetProperty("enabled").GetBoolean().ShouldBeTrue();
        plan["enabled"] = false;
        using var replaced = await admin.PutAsJsonAsync($"/api/v1/plans/{saved.Str("id")}", plan);
        (await replaced.JsonAsync()).GetProperty("enabled").GetBoolean().ShouldBeFalse();
        (await admin.PostAsJsonAsync("/api/v1/plans", plan)).StatusCode.ShouldBe(HttpStatusCode.BadRequest, "the name is taken");
        using var inUse = await admin.DeleteAsync($"/api/v1/repositories/{saved.Str("repositoryId")}");
        inUse.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task RestoreNeedsAHostASnapshotAndAnAbsoluteTargetAndAnOfflineHostIsAConflict()
    {
        using var admin = await Api.AdminAsync(_server);
        var plan = await GoodPlanAsync(admin);
        var repository = (string)plan["repositoryId"]!;

        async Task<(HttpStatusCode, string)> Restore(object body)
        {
            using var response = await admin.PostAsJsonAsync("/api/v1/jobs", body);
            var json = await response.JsonAsync();
            return (response.StatusCode, json.TryGetProperty("error", out var e) ? e.Str("field") + e.Str("code") : "");
        }

        (await Restore(new { kind = "restore", repositoryId = repository, snapshotId = "abcdef12", target = "/tmp/x" })).ShouldBe((HttpStatusCode.BadRequest, "hostinvalid_job"));
        (await Restore(new { kind = "restore", repositoryId = repository, host = "web1", snapshotId = "abcdef12", target = "/tmp/x" })).ShouldBe((HttpStatusCode.Conflict, "host_offline"));
        (await Restore(new { kind = "restore", repositoryId = repository, host = "nope", snapshotId = "abcdef12", target = "/tmp/x" })).ShouldBe((HttpStatusCode.BadRequest, "hostinvalid_job"));
    }

    private async Task<Dictionary<string, object?>> GoodPlanAsync(HttpClient admin)
    {
        var token = await Api.EnrollmentTokenAsync(admin);
        using var http = _server.CreateClient();
        (await http.PostAsJsonAsync("/agent/enroll", new { token, hostname = "web1", os = "linux", arch = "amd64", agentVersion = "1" }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        using var repo = await admin.PostAsJsonAsync("/api/v1/repositories", new { name = "main", url = "/srv/restic/main", password = "pw" });
        return new Dictionary<string, object?>
        {
            ["name"] = "web files",
            ["repositoryId"] = (await repo.JsonAsync()).Str("id"),
            ["hosts"] = new[] { "web1" },
            ["paths"] = new[] { "/srv/www" },
            ["schedule"] = "0 0 3 * * ?",
        };
    }
}
