using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Backups;

/// <summary>Bad repositories, plans and jobs are refused with the field named, and change nothing; secrets never come back.</summary>
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
            File.ReadAllText(Path.Join(_server.DataDir.Path, "audit", "audit.jsonl")).ShouldNotContain(secret);
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

    [Theory]
    [InlineData("""{"url":"/srv/repo","password":"pw"}""", "name")]
    [InlineData("""{"name":"r","url":"relative/repo","password":"pw"}""", "url")]
    [InlineData("""{"name":"r","url":"ftp:host/repo","password":"pw"}""", "url")]
    [InlineData("""{"name":"r","url":"/srv/repo"}""", "password")]
    [InlineData("""{"name":"r","url":"/srv/repo","password":"pw","credentials":{"PATH":"/tmp"}}""", "credentials")]
    [InlineData("""{"name":"r","url":"/srv/repo","password":"pw","credentials":{"RESTIC_REPOSITORY":"/x"}}""", "credentials")]
    [InlineData("""{"name":"r","url":"/srv/repo; rm -rf /","password":"pw"}""", "url")]
    [InlineData("""{"name":"r","url":"sftp:backup@host:/srv/$(id)","password":"pw"}""", "url")]
    [InlineData("""{"name":"r","url":"s3:s3.example.org/`reboot`","password":"pw"}""", "url")]
    [InlineData("""{"name":"r","url":"/srv/../etc/repo","password":"pw"}""", "url")]
    [InlineData("""{"name":"r","url":"/srv/repo","password":"pw","initHost":"web1"}""", "initHost")]
    [InlineData("""{"name":"r","url":"/srv/repo","password":"pw","init":true,"initHost":"nobody"}""", "initHost")]
    public async Task BadRepositoriesAreRefusedWithTheFieldNamed(string body, string field)
    {
        using var admin = await Api.AdminAsync(_server);

        using var response = await admin.PostAsync("/api/v1/repositories", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = (await response.JsonAsync()).GetProperty("error");
        error.Str("code").ShouldBe("invalid_repository");
        error.Str("field").ShouldBe(field);
        error.Str("message").ShouldStartWith(field + ":");
        (await (await admin.GetAsync("/api/v1/repositories")).JsonAsync()).GetArrayLength().ShouldBe(0);
    }

    [Theory]
    [InlineData("schedule", "not a cron")]
    [InlineData("schedule", "61 * * * *")]
    [InlineData("timeZone", "Mars/Olympus_Mons")]
    [InlineData("paths", "relative/path")]
    [InlineData("paths", "")]
    [InlineData("hosts", "no-such-host")]
    [InlineData("repositoryId", "no-such-repository")]
    [InlineData("retention", "forget-without-retention")]
    [InlineData("tags", "bad tag with spaces")]
    [InlineData("limitUploadKiB", "0")]
    [InlineData("checkSchedule", "every day")]
    [InlineData("paths", "/srv/../etc")]
    [InlineData("paths", "/srv//www")]
    [InlineData("paths", "/srv/www/")]
    [InlineData("paths", "C:\\Data\\..\\Windows")]
    [InlineData("paths", "null")]
    [InlineData("labels", "null")]
    [InlineData("excludes", "null")]
    [InlineData("tags", "null")]
    [InlineData("hosts", "null")]
    public async Task BadPlansAreRefusedWithTheFieldNamedAndChangeNothing(string field, string value)
    {
        using var admin = await Api.AdminAsync(_server);
        var plan = await GoodPlanAsync(admin);
        object? bad = value;
        switch (field)
        {
            case "paths" or "labels" or "excludes" or "tags" or "hosts" when value == "null":
                bad = new string?[] { null };
                break;
            case "paths":
                bad = value.Length == 0 ? Array.Empty<string>() : new[] { value };
                break;
            case "hosts":
            case "tags":
            case "labels":
            case "excludes":
                bad = new[] { value };
                break;
            case "retention":
                plan["forgetSchedule"] = "0 0 4 * * ?";
                bad = null;
                break;
            case "limitUploadKiB":
                bad = 0;
                break;
        }

        plan[field] = bad;

        using var response = await admin.PostAsJsonAsync("/api/v1/plans", plan);

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        error.Str("code").ShouldBe("invalid_plan");
        error.Str("field").ShouldBe(field, text);
        if (value.Contains("..", StringComparison.Ordinal) || value.Contains("//", StringComparison.Ordinal) || value.EndsWith('/'))
        {
            error.Str("message").ShouldContain("is not canonical", customMessage: text);
        }

        (await (await admin.GetAsync("/api/v1/plans")).JsonAsync()).GetArrayLength().ShouldBe(0);
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

    [Theory]
    [InlineData("""{"kind":"explode"}""", "kind")]
    [InlineData("""{"kind":"backup"}""", "planId")]
    [InlineData("""{"kind":"check"}""", "repositoryId")]
    [InlineData("""{"kind":"unlock","repositoryId":"nope"}""", "repositoryId")]
    public async Task BadJobsAreRefusedWithTheFieldNamed(string body, string field)
    {
        using var admin = await Api.AdminAsync(_server);

        using var response = await admin.PostAsync("/api/v1/jobs", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.JsonAsync()).GetProperty("error").Str("field").ShouldBe(field);
        (await BackupApi.JobsAsync(admin)).ShouldBeEmpty();
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
