using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using RestikManager.ServiceDefaults.Telemetry;

namespace RestikManager.Tests.ServiceDefaults;

/// <summary>The Prometheus text rendering of counters, up-down counters and histograms.</summary>
public sealed class PrometheusScrapeTests
{
    [Fact]
    public void RendersCountersGaugesAndHistogramsWithTheirLabels()
    {
        var name = "Test.Prometheus." + Guid.NewGuid().ToString("N");
        using var meter = new Meter(name);
        using var scrape = new PrometheusScrape();
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(name).AddReader(scrape.Reader).Build();
        meter.CreateCounter<long>("jobs.ended", "{job}", "Jobs that \"ended\".").Add(3, new KeyValuePair<string, object?>("kind", "back\\up"));
        meter.CreateUpDownCounter<long>("agents.connected").Add(2);
        var duration = meter.CreateHistogram<double>("job.duration", "s");
        duration.Record(0.2);
        duration.Record(7);

        var text = scrape.Collect();

        text.ShouldContain("# HELP jobs_ended_total Jobs that \"ended\".\n# TYPE jobs_ended_total counter\njobs_ended_total{kind=\"back\\\\up\"} 3\n");
        text.ShouldContain("# TYPE agents_connected gauge\nagents_connected 2\n");
        text.ShouldContain("# TYPE job_duration_seconds histogram\n");
        text.ShouldContain("job_duration_seconds_bucket{le=\"0\"} 0\n");
        text.ShouldContain("job_duration_seconds_bucket{le=\"5\"} 1\n");
        text.ShouldContain("job_duration_seconds_bucket{le=\"10\"} 2\n");
        text.ShouldContain("job_duration_seconds_bucket{le=\"+Inf\"} 2\n");
        text.ShouldContain("job_duration_seconds_sum 7.2\n");
        text.ShouldContain("job_duration_seconds_count 2\n");
    }
}
