using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using RestikManager.ServiceDefaults.Telemetry;

namespace RestikManager.ServiceDefaults;

/// <summary>
/// The service defaults of a web service, in the shape eShop made standard: <see cref="AddServiceDefaults{TBuilder}"/>
/// on the builder, <see cref="MapDefaultEndpoints"/> on the app.
/// </summary>
public static class Extensions
{
    /// <summary>Tag of the checks that say only "the process is up" (served on <see cref="AlivePath"/>).</summary>
    public const string LiveTag = "live";

    /// <summary>Liveness: the process is up.</summary>
    public const string AlivePath = "/alive";

    /// <summary>Readiness: every registered health check passes.</summary>
    public const string HealthPath = "/health";

    /// <summary>Where a service serves Prometheus text, if it does (scrapes are not traced, as probes are not).</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Logging (one UTC-stamped console line per event, and OTLP when configured), OpenTelemetry traces and metrics of
    /// <paramref name="serviceName"/> (its own <paramref name="ownSource"/> ActivitySource and Meter, ASP.NET Core,
    /// HttpClient, the runtime) exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, the liveness check,
    /// service discovery, and the standard resilience handler on every HttpClient the container makes.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, string serviceName, string ownSource)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Logging.ClearProviders();
        builder.Logging.AddServiceConsole();
        builder.ConfigureOpenTelemetry(serviceName, ownSource);
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    /// <summary>
    /// Metrics always (a pull reader such as the server's <c>/metrics</c> may read them); traces only when they are
    /// exported, so an unconfigured process records none. Probes of <see cref="AlivePath"/> and <see cref="HealthPath"/>
    /// and scrapes of <see cref="MetricsPath"/> are never traced.
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder, string serviceName, string ownSource)
        where TBuilder : IHostApplicationBuilder
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddServiceIdentity(serviceName))
            .WithMetrics(metrics => metrics
                .AddMeter(ownSource)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation());
        if (ServiceTelemetry.IsExportConfigured)
        {
            telemetry
                .WithLogging(configureBuilder: null, configureOptions: o => o.IncludeFormattedMessage = true)
                .WithTracing(tracing => tracing
                    .AddSource(ownSource)
                    .AddAspNetCoreInstrumentation(o =>
                    {
                        o.Filter = context => !IsProbe(context.Request.Path);
                        o.EnrichWithHttpResponse = NameByRouteWithoutTrailingSlash;
                    })
                    .AddHttpClientInstrumentation())
                .UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Maps <see cref="AlivePath"/> (the live checks) and <see cref="HealthPath"/> (every check).</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) });
        app.MapHealthChecks(HealthPath);
        return app;
    }

    // A route group's own endpoint has the pattern "/api/v1/jobs/"; the span is named "POST /api/v1/jobs", as its URL is.
    private static void NameByRouteWithoutTrailingSlash(System.Diagnostics.Activity span, HttpResponse response)
    {
        if (span.GetTagItem("http.route") is string { Length: > 1 } route && route.EndsWith('/'))
        {
            var trimmed = route.TrimEnd('/');
            span.SetTag("http.route", trimmed);
            span.DisplayName = $"{response.HttpContext.Request.Method} {trimmed}";
        }
    }

    private static bool IsProbe(PathString path) =>
        path.Equals(AlivePath, StringComparison.OrdinalIgnoreCase) || path.Equals(HealthPath, StringComparison.OrdinalIgnoreCase)
        || path.Equals(MetricsPath, StringComparison.OrdinalIgnoreCase);
}
