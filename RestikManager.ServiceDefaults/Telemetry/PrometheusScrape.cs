using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace RestikManager.ServiceDefaults.Telemetry;

/// <summary>
/// The process's metrics in Prometheus text format (0.0.4), collected when asked (a pull reader on the meter
/// provider). OpenTelemetry's own Prometheus exporter is not on the package source; this renders counters,
/// up-down counters and gauges, and explicit-bucket histograms, which is all this project records.
/// </summary>
public sealed class PrometheusScrape : IDisposable
{
    private readonly TextExporter _exporter = new();
    private readonly Lock _gate = new();

    public PrometheusScrape() =>
        Reader = new BaseExportingMetricReader(_exporter) { TemporalityPreference = MetricReaderTemporalityPreference.Cumulative };

    /// <summary>The reader to add to the meter provider.</summary>
    public MetricReader Reader { get; }

    /// <summary>Collects every metric now and returns the exposition text.</summary>
    public string Collect()
    {
        lock (_gate)
        {
            _exporter.Text.Clear();
            Reader.Collect(5000);
            return _exporter.Text.ToString();
        }
    }

    public void Dispose() => Reader.Dispose();

    /// <summary>A Prometheus metric name: letters, digits and underscores, not starting with a digit.</summary>
    public static string Name(string name)
    {
        var sanitized = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            sanitized.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return sanitized.Length > 0 && char.IsAsciiDigit(sanitized[0]) ? "_" + sanitized : sanitized.ToString();
    }

    // No [ExportModes(Pull)]: the SDK lets a pull-only exporter be collected only through its own delegate.
    private sealed class TextExporter : BaseExporter<Metric>
    {
        public StringBuilder Text { get; } = new();

        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
            {
                Write(metric);
            }

            return ExportResult.Success;
        }

        private void Write(Metric metric)
        {
            var name = Name(metric.Name) + (metric.Unit == "s" && !metric.Name.EndsWith("seconds", StringComparison.Ordinal) ? "_seconds" : "");
            var (type, suffix) = metric.MetricType switch
            {
                MetricType.LongSum or MetricType.DoubleSum => ("counter", name.EndsWith("_total", StringComparison.Ordinal) ? "" : "_total"),
                MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic or MetricType.LongGauge or MetricType.DoubleGauge => ("gauge", ""),
                MetricType.Histogram => ("histogram", ""),
                _ => (null, ""),
            };
            if (type is null)
            {
                return;
            }

            name += suffix;
            Text.Append("# HELP ").Append(name).Append(' ').Append(Escape(metric.Description, label: false)).Append('\n');
            Text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var labels = Labels(point);
                switch (metric.MetricType)
                {
                    case MetricType.Histogram:
                        long cumulative = 0;
                        foreach (var bucket in point.GetHistogramBuckets())
                        {
                            cumulative += bucket.BucketCount;
                            var le = double.IsPositiveInfinity(bucket.ExplicitBound) ? "+Inf" : Number(bucket.ExplicitBound);
                            Sample(name + "_bucket", Join(labels, $"le=\"{le}\""), cumulative.ToString(CultureInfo.InvariantCulture));
                        }

                        Sample(name + "_sum", labels, Number(point.GetHistogramSum()));
                        Sample(name + "_count", labels, point.GetHistogramCount().ToString(CultureInfo.InvariantCulture));
                        break;
                    case MetricType.LongSum or MetricType.LongSumNonMonotonic:
                        Sample(name, labels, point.GetSumLong().ToString(CultureInfo.InvariantCulture));
                        break;
                    case MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic:
                        Sample(name, labels, Number(point.GetSumDouble()));
                        break;
                    case MetricType.LongGauge:
                        Sample(name, labels, point.GetGaugeLastValueLong().ToString(CultureInfo.InvariantCulture));
                        break;
                    case MetricType.DoubleGauge:
                        Sample(name, labels, Number(point.GetGaugeLastValueDouble()));
                        break;
                }
            }
        }

        private void Sample(string name, string labels, string value) =>
            Text.Append(name).Append(labels.Length > 0 ? "{" + labels + "}" : "").Append(' ').Append(value).Append('\n');

        private static string Labels(in MetricPoint point)
        {
            var labels = new List<string>();
            foreach (var tag in point.Tags)
            {
                labels.Add($"{Name(tag.Key)}=\"{Escape(Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "", label: true)}\"");
            }

            return string.Join(',', labels);
        }

        private static string Join(string labels, string extra) => labels.Length > 0 ? labels + "," + extra : extra;

        private static string Number(double value) =>
            double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : double.IsNaN(value) ? "NaN"
            : value.ToString("R", CultureInfo.InvariantCulture);

        private static string Escape(string? text, bool label) =>
            (text ?? "").Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)
                .Replace("\"", label ? "\\\"" : "\"", StringComparison.Ordinal);
    }
}
