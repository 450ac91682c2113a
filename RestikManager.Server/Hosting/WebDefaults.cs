using System.Diagnostics;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RestikManager.Server.Accounts;
using RestikManager.Server.Telemetry;
using RestikManager.ServiceDefaults.Telemetry;

namespace RestikManager.Server.Hosting;

/// <summary>
/// The web half of the service defaults: logging and telemetry from RestikManager.ServiceDefaults, the
/// <c>/alive</c> and <c>/health</c> endpoints, request spans named by route, and health probes kept out of traces.
/// </summary>
internal static class WebDefaults
{
    /// <summary>The name the server's telemetry carries.</summary>
    public const string ServiceName = "restic-manager-server";

    /// <summary>Tag of the checks that say only "the process is up" (served on <c>/alive</c>).</summary>
    public const string LiveTag = "live";

    /// <summary>Path of the liveness endpoint.</summary>
    public const string AlivePath = "/alive";

    /// <summary>Path of the readiness endpoint.</summary>
    public const string HealthPath = "/health";

    /// <summary>Path of the Prometheus scrape endpoint.</summary>
    public const string MetricsPath = "/metrics";

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddServiceLogging(ServiceName);
        // Per-request lines drown what an operator needs; warnings and errors still show.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddSingleton<PrometheusScrape>();
        builder.Services.AddSingleton(sp => ServiceTelemetry.Start(ServiceName, TelemetryNames.Server, sp.GetRequiredService<PrometheusScrape>().Reader));
        builder.Services.AddSingleton<ServerTelemetry>();
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>Starts telemetry and tags request spans; first in the pipeline, so refused requests are tagged too.</summary>
    public static WebApplication UseTelemetry(this WebApplication app)
    {
        app.Services.GetRequiredService<ServiceTelemetry>();
        app.Use(TagRequestSpan);
        return app;
    }

    /// <summary>
    /// Maps <c>/alive</c> (process up), <c>/health</c> (every registered check passes) and <c>/metrics</c>
    /// (Prometheus text, for a viewer's bearer token: it tells how big the fleet is and how its jobs go).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) });
        app.MapHealthChecks(HealthPath);
        app.MapGet(MetricsPath, (PrometheusScrape scrape) => Results.Text(scrape.Collect(), "text/plain; version=0.0.4; charset=utf-8"))
            .RequireAuthorization(new AuthorizeAttribute(Roles.CanView) { AuthenticationSchemes = ApiTokenAuthenticationHandler.SchemeName })
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// Names ASP.NET Core's request span by route and gives it the standard HTTP attributes (the instrumentation
    /// package that would do this is not on the package source); probes of /alive and /health and scrapes of /metrics
    /// are not recorded.
    /// </summary>
    private static async Task TagRequestSpan(HttpContext context, RequestDelegate next)
    {
        var span = Activity.Current;
        if (span is null || span.Source.Name != "Microsoft.AspNetCore")
        {
            await next(context);
            return;
        }

        if (context.Request.Path.Equals(AlivePath, StringComparison.OrdinalIgnoreCase) ||
            context.Request.Path.Equals(HealthPath, StringComparison.OrdinalIgnoreCase) ||
            context.Request.Path.Equals(MetricsPath, StringComparison.OrdinalIgnoreCase))
        {
            span.IsAllDataRequested = false;
            span.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            await next(context);
            return;
        }

        await next(context);
        // A group's own route ends in "/" ("/api/v1/jobs/"); the span name does not.
        var raw = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        var route = raw is { Length: > 1 } ? raw.TrimEnd('/') : raw;
        span.DisplayName = route is null ? context.Request.Method : $"{context.Request.Method} {route}";
        span.SetTag("http.request.method", context.Request.Method);
        span.SetTag("url.path", context.Request.Path.Value);
        span.SetTag("http.route", route);
        span.SetTag("http.response.status_code", context.Response.StatusCode);
        if (context.Response.StatusCode >= 500)
        {
            span.SetStatus(ActivityStatusCode.Error);
        }
    }
}
