using System.Text.RegularExpressions;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Telemetry;

/// <summary>deploy/monitoring's Prometheus rules and Grafana dashboard name only metrics that /metrics serves.</summary>
public sealed partial class MonitoringFilesTests : IDisposable
{
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    [Theory]
    [InlineData("prometheus-rules.yml")]
    [InlineData("grafana-dashboard.json")]
    public async Task EveryMetricTheFileNamesIsServed(string file)
    {
        using var admin = await Api.AdminAsync(_server);
        var metrics = await admin.GetStringAsync("/metrics");
        var served = TypeLine().Matches(metrics).Select(m => m.Groups[1].Value).ToHashSet();

        var named = MetricName().Matches(File.ReadAllText(RepoPaths.Of("deploy", "monitoring", file))).Select(m => m.Value).Distinct().ToList();

        named.Count.ShouldBeGreaterThan(3, "the file uses the fleet's metrics");
        named.Where(n => !served.Contains(n)).ShouldBeEmpty($"{file} names metrics /metrics does not serve");
    }

    [GeneratedRegex(@"^# TYPE (\S+) ", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"restic_manager_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
