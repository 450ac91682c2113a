using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Backups;

/// <summary>
/// Bad repositories, plans and jobs are refused with the field named and change nothing. Every case is a refusal, so
/// all of them share one server (with a host and a repository to refer to) and each checks that nothing was added.
/// </summary>
public sealed class BackupApiRefusalTests(BackupApiRefusalTests.World world) : IClassFixture<BackupApiRefusalTests.World>
{
    /// <summary>A server with host web1 enrolled and repository "main": what a good plan names.</summary>
    public sealed class World : IAsyncLifetime
    {
        internal ServerFactory Server { get; } = new();

        internal HttpClient Admin { get; private set; } = null!;

        internal string RepositoryId { get; private set; } = "";

        public async Task InitializeAsync()
        {
            Admin = await Api.AdminAsync(Server);
            var token = await Api.EnrollmentTokenAsync(Admin);
            using var http = Server.CreateClient();
            (await http.PostAsJsonAsync("/agent/enroll", new { token, hostname = "web1", os = "linux", arch = "amd64", agentVersion = "1" }))
                .StatusCode.ShouldBe(HttpStatusCode.Created);
            using var repo = await Admin.PostAsJsonAsync("/api/v1/repositories", new { name = "main", url = "/srv/restic/main", password = "pw" });
            RepositoryId = (await repo.JsonAsync()).Str("id");
        }

        /// <summary>A plan the server accepts, to spoil one field of.</summary>
        internal Dictionary<string, object?> GoodPlan() => new()
        {
            ["name"] = "web files",
            ["repositoryId"] = RepositoryId,
            ["hosts"] = new[] { "web1" },
            ["paths"] = new[] { "/srv/www" },
            ["schedule"] = "0 0 3 * * ?",
        };

        public Task DisposeAsync()
        {
            Admin.Dispose();
            Server.Dispose();
            return Task.CompletedTask;
        }
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
        var admin = world.Admin;
        var before = await CountAsync(admin, "/api/v1/repositories");

        using var response = await admin.PostAsync("/api/v1/repositories", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = (await response.JsonAsync()).GetProperty("error");
        error.Str("code").ShouldBe("invalid_repository");
        error.Str("field").ShouldBe(field);
        error.Str("message").ShouldStartWith(field + ":");
        (await CountAsync(admin, "/api/v1/repositories")).ShouldBe(before);
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
        var admin = world.Admin;
        var plan = world.GoodPlan();
        var before = await CountAsync(admin, "/api/v1/plans");
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

        (await CountAsync(admin, "/api/v1/plans")).ShouldBe(before);
    }

    [Theory]
    [InlineData("""{"kind":"explode"}""", "kind")]
    [InlineData("""{"kind":"backup"}""", "planId")]
    [InlineData("""{"kind":"check"}""", "repositoryId")]
    [InlineData("""{"kind":"unlock","repositoryId":"nope"}""", "repositoryId")]
    public async Task BadJobsAreRefusedWithTheFieldNamed(string body, string field)
    {
        var admin = world.Admin;

        using var response = await admin.PostAsync("/api/v1/jobs", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.JsonAsync()).GetProperty("error").Str("field").ShouldBe(field);
        (await BackupApi.JobsAsync(admin)).ShouldBeEmpty();
    }

    private static async Task<int> CountAsync(HttpClient admin, string path) => (await (await admin.GetAsync(path)).JsonAsync()).GetArrayLength();
}
