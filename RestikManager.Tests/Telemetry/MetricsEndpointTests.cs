using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Telemetry;

/// <summary>
/// <c>/metrics</c> on the published server, with no collector configured: Prometheus text, to viewers only, counting
/// a real agent's real jobs.
/// </summary>
[Collection(PublishedTreeGroup.Web)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class MetricsEndpointTests(PublishedTree tree)
{
    [Fact]
    public async Task MetricsAreServedInPrometheusTextToViewersOnlyWithoutAnyCollector()
    {
        await using var backups = await BackupStack.StartAsync(tree, ["web1"]);
        var plan = await backups.PlanAsync("p", ["web1"]);
        (await backups.BackupAsync(plan, "web1")).Str("status").ShouldBe("succeeded");

        using var anonymous = new HttpClient { BaseAddress = new Uri(backups.Stack.Url) };
        (await anonymous.GetAsync("/metrics")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized);
        using var response = await backups.Admin.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        response.IsSuccessStatusCode.ShouldBeTrue(text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
        text.ShouldContain("# TYPE restic_manager_job_duration_seconds histogram");
        text.ShouldContain("restic_manager_job_duration_seconds_count{rm_job_kind=\"backup\",rm_job_status=\"succeeded\"} 1");
        text.ShouldContain("restic_manager_job_ended_total{rm_job_kind=\"init\",rm_job_status=\"succeeded\"} 1");
        text.ShouldContain("restic_manager_agent_connected 1");
        text.ShouldContain("# TYPE http_server_request_duration_seconds histogram");
        text.ShouldContain("kestrel_");
        // The fleet's state per host and plan (what deploy/monitoring's rules and dashboard read).
        var pair = $"{{host=\"web1\",host_id=\"{(await Api.HostsAsync(backups.Admin)).Single().Str("id")}\",plan=\"p\",plan_id=\"{plan}\"}}";
        text.ShouldContain($"restic_manager_backup_last_failed{pair} 0");
        text.ShouldContain($"restic_manager_backup_last_files{pair} 41");
        text.ShouldMatch($@"restic_manager_backup_last_success_timestamp_seconds{System.Text.RegularExpressions.Regex.Escape(pair)} 1[0-9]{{9}}");
        text.ShouldMatch($@"restic_manager_backup_last_added_bytes{System.Text.RegularExpressions.Regex.Escape(pair)} [1-9][0-9]*");
        text.ShouldContain("restic_manager_hosts{status=\"online\"} 1");
        var samples = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).ToList();
        samples.ShouldNotBeEmpty();
        samples.ShouldAllBe(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^[a-zA-Z_][a-zA-Z0-9_]*(\{([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\]|\\.)*"",?)*\})? (-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$"));

        // The first backup into a repository is followed by a reading of its size.
        var repository = $"{{repository=\"main\",repository_id=\"{backups.RepositoryId}\"";
        await Eventually.TrueAsync(() => backups.Admin.GetStringAsync("/metrics").Result.Contains($"restic_manager_repository_snapshots{repository}}} 1", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the repository's size in /metrics");
        (await backups.Admin.GetStringAsync("/metrics")).ShouldMatch($@"restic_manager_repository_size_bytes{System.Text.RegularExpressions.Regex.Escape(repository)},kind=""raw""}} [1-9][0-9]*");
    }
}
