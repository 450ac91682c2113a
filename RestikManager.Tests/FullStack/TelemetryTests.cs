using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.FullStack;

/// <summary>With an OTLP endpoint set, the server and agents export their spans, metrics and logs; probes stay out.</summary>
[Collection(AspireStackGroup.Name)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class TelemetryTests
{
    [Fact]
    public async Task JobSpansMetricsAndLogsReachTheOtlpEndpointAndHealthProbesDoNot()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var app = await AspireStack.StartAsync(1, "0 0 3 * * ?", "--otlp-endpoint", receiver.Endpoint);
        var host = app.Host("host-1");

        var job = await BackupApi.RunJobAsync(app.Admin, new { kind = "backup", planId = app.PlanId(host), host = host.Name });
        job.Str("status").ShouldBe("succeeded", job.ToString());

        var span = await receiver.WaitForSpanAsync(s => s.Name == "job backup" && s["rm.job.id"] == job.Str("id"), TimeSpan.FromSeconds(30), "job backup");
        span.Service.ShouldBe("server", "Aspire names each process after its resource (OTEL_SERVICE_NAME)");
        span["rm.job.status"].ShouldBe("succeeded");
        span["rm.snapshot.id"].ShouldBe(job.Str("snapshotId"));
        long.Parse(span["rm.backup.bytes_added"]!, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(0);
        var agentSpan = await receiver.WaitForSpanAsync(s => s.Name == "restic backup" && s["rm.job.id"] == job.Str("id"), TimeSpan.FromSeconds(30), "restic backup");
        agentSpan.Service.ShouldBe("host-1");
        var request = await receiver.WaitForSpanAsync(s => s.Name == "POST /api/v1/jobs", TimeSpan.FromSeconds(30), "the job request");
        request["http.response.status_code"].ShouldBe("202");
        await receiver.WaitForSpanAsync(s => s.Name == "agent connection" || s.Name.StartsWith("GET /api/v1/jobs", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "polling requests");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(receiver.HasMetric("restic_manager.job.duration") && receiver.HasMetric("restic_manager.job.dispatch_latency")
                 && receiver.HasMetric("restic_manager.agent.connected") && receiver.HasMetric("kestrel") && receiver.HasLog("ended"))
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        receiver.HasMetric("restic_manager.job.duration").ShouldBeTrue();
        receiver.HasMetric("restic_manager.job.dispatch_latency").ShouldBeTrue();
        receiver.HasMetric("restic_manager.agent.connected").ShouldBeTrue();
        receiver.HasMetric("kestrel").ShouldBeTrue("Kestrel's own meter is exported");
        receiver.HasLog("ended").ShouldBeTrue("logs are exported too");

        // Probes, then one ordinary request: once its span has arrived, any probe span would have too.
        (await app.Admin.GetAsync("/health")).EnsureSuccessStatusCode();
        (await app.Admin.GetAsync("/alive")).EnsureSuccessStatusCode();
        (await app.Admin.GetAsync("/api/v1/repositories")).EnsureSuccessStatusCode();
        await receiver.WaitForSpanAsync(s => s.Name == "GET /api/v1/repositories", TimeSpan.FromSeconds(30), "the request after the probes");
        receiver.Spans.Where(s => s.Service == "server")
            .ShouldNotContain(s => s.Name == "GET" || s.Name.Contains("/health", StringComparison.Ordinal) || s.Name.Contains("/alive", StringComparison.Ordinal),
                "probes stay out of traces");
        receiver.AllText.ShouldNotContain("dev-host-1-repository-password", Case.Sensitive, "no secret leaves in telemetry");
    }
}
