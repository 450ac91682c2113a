using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Jobs;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Web;

/// <summary>
/// <c>GET /api/v1/hosts</c> carries each host's protection verdict, the dashboard's own (one <c>ProtectionReport</c>): a
/// script reads the same truth as the page. A host no plan covers is unprotected; a planned host is pending until its first
/// backup, protected after a success, failing after a failure; a revoked host has none.
/// </summary>
public sealed class HostsApiVerdictTests : IDisposable
{
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task EachHostCarriesTheDashboardsVerdictPerPlan()
    {
        using var admin = await Api.AdminAsync(_server);
        var (web1, _) = await Api.EnrollAsync(_server, admin, "web1");
        var (web2, _) = await Api.EnrollAsync(_server, admin, "web2");
        var (gone, _) = await Api.EnrollAsync(_server, admin, "gone");
        (await admin.PostAsync($"/api/v1/hosts/{gone}/revoke", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        using var repo = await admin.PostAsJsonAsync("/api/v1/repositories", new { name = "main", url = "/srv/restic/main", password = "pw" });
        var repositoryId = (await repo.JsonAsync()).Str("id");
        using var created = await admin.PostAsJsonAsync("/api/v1/plans", new
        {
            name = "web files", repositoryId, hosts = new[] { "web1" }, paths = new[] { "/srv/www" }, retention = new { keepLast = 3 },
        });
        var planId = (await created.JsonAsync()).Str("id");
        created.StatusCode.ShouldBe(HttpStatusCode.Created);

        var hosts = await HostsAsync(admin);
        hosts[web1].GetProperty("protection").Str("verdict").ShouldBe("pending");
        var plan = hosts[web1].GetProperty("protection").GetProperty("plans").EnumerateArray().Single();
        (plan.Str("planId"), plan.Str("planName"), plan.Str("verdict")).ShouldBe((planId, "web files", "pending"));
        plan.GetProperty("lastStatus").ValueKind.ShouldBe(JsonValueKind.Null);
        hosts[web2].GetProperty("protection").Str("verdict").ShouldBe("unprotected");
        hosts[web2].GetProperty("protection").GetProperty("plans").GetArrayLength().ShouldBe(0);
        hosts[gone].GetProperty("protection").ValueKind.ShouldBe(JsonValueKind.Null, "a revoked host is not judged");

        var jobs = _server.Services.GetRequiredService<JobStore>();
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        jobs.RecordResult(web1, new JobResult("job-ok", JobKinds.Backup, repositoryId, JobTriggers.Manual, planId, JobStatuses.Succeeded, at, at.AddMinutes(1), 0));
        plan = (await HostsAsync(admin))[web1].GetProperty("protection").GetProperty("plans")[0];
        (plan.Str("verdict"), plan.Str("lastStatus"), plan.Str("lastJobId")).ShouldBe(("protected", "succeeded", "job-ok"));
        plan.GetProperty("lastSucceededAt").ValueKind.ShouldBe(JsonValueKind.String);

        jobs.RecordResult(web1, new JobResult("job-bad", JobKinds.Backup, repositoryId, JobTriggers.Manual, planId, JobStatuses.Failed, at.AddMinutes(2), at.AddMinutes(3), 1));
        var host = (await HostsAsync(admin))[web1].GetProperty("protection");
        host.Str("verdict").ShouldBe("failing");
        host.GetProperty("plans")[0].Str("lastJobId").ShouldBe("job-bad");
        host.GetProperty("plans")[0].Str("lastSucceededAt").ShouldNotBeNull("the older success is still named");
    }

    private static async Task<Dictionary<string, JsonElement>> HostsAsync(HttpClient admin) =>
        (await Api.HostsAsync(admin)).ToDictionary(h => h.Str("id"));
}
