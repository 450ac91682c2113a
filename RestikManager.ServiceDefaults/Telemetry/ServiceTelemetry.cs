using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using RestikManager.Contracts;

namespace RestikManager.ServiceDefaults.Telemetry;

/// <summary>
/// Traces and metrics of one process, exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the
/// standard <c>OTEL_*</c> variables tune the exporter: protocol, headers, intervals). When it is not set no traces
/// are collected and nothing leaves the process; metrics are kept only for a pull reader (the server's
/// <c>/metrics</c>). Dispose flushes what is pending.
/// </summary>
public sealed class ServiceTelemetry : IDisposable
{
    /// <summary>The variable that turns export on.</summary>
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    private readonly TracerProvider? _traces;
    private readonly MeterProvider? _metrics;

    private ServiceTelemetry(TracerProvider? traces, MeterProvider? metrics)
    {
        _traces = traces;
        _metrics = metrics;
    }

    /// <summary>Whether this process exports telemetry (the endpoint variable is set).</summary>
    public static bool IsExportConfigured =>
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EndpointVariable));

    /// <summary>
    /// Starts exporting <paramref name="ownName"/>'s and the framework's traces and metrics over OTLP, if configured;
    /// <paramref name="pull"/> (the server's <c>/metrics</c>) collects the metrics whether or not OTLP is.
    /// </summary>
    public static ServiceTelemetry Start(string serviceName, string ownName, MetricReader? pull = null)
    {
        var exporting = IsExportConfigured;
        var traces = exporting
            ? Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(Resource(serviceName))
                .AddSource(ownName)
                .AddSource([.. TelemetryNames.FrameworkSources])
                .AddOtlpExporter()
                .Build()
            : null;
        MeterProvider? metrics = null;
        if (exporting || pull is not null)
        {
            var builder = Sdk.CreateMeterProviderBuilder()
                .SetResourceBuilder(Resource(serviceName))
                .AddMeter(ownName)
                .AddMeter([.. TelemetryNames.FrameworkMeters]);
            if (pull is not null)
            {
                builder.AddReader(pull);
            }

            if (exporting)
            {
                builder.AddOtlpExporter();
            }

            metrics = builder.Build();
        }

        return new ServiceTelemetry(traces, metrics);
    }

    /// <summary>The resource every signal of <paramref name="serviceName"/> carries: name, version, host.</summary>
    public static ResourceBuilder Resource(string serviceName) => ResourceBuilder.CreateDefault().AddServiceIdentity(serviceName);

    public void Dispose()
    {
        _traces?.Dispose();
        _metrics?.Dispose();
    }
}
