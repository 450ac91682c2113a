using Microsoft.AspNetCore.Authorization;
using OpenTelemetry.Metrics;
using RestikManager.Server.Accounts;
using RestikManager.Server.Metrics;
using RestikManager.Server.Telemetry;
using RestikManager.ServiceDefaults;
using RestikManager.ServiceDefaults.Telemetry;

namespace RestikManager.Server.Hosting;

/// <summary>
/// The server's use of the service defaults (<see cref="Extensions.AddServiceDefaults{TBuilder}"/>: logging,
/// OpenTelemetry with the ASP.NET Core, HttpClient and runtime instrumentation, health checks, resilience) plus what is
/// the server's own: its job telemetry and the Prometheus text of <c>/metrics</c>.
/// </summary>
internal static class WebDefaults
{
    /// <summary>The name the server's telemetry carries.</summary>
    public const string ServiceName = "restic-manager-server";

    /// <summary>Path of the readiness endpoint (probed by the <c>health</c> command).</summary>
    public const string HealthPath = Extensions.HealthPath;

    /// <summary>Path of the Prometheus scrape endpoint.</summary>
    public const string MetricsPath = Extensions.MetricsPath;

    public static WebApplicationBuilder AddServerDefaults(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults(ServiceName, TelemetryNames.Server);
        // Per-request lines drown what an operator needs; warnings and errors still show.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddSingleton<PrometheusScrape>();
        builder.Services.ConfigureOpenTelemetryMeterProvider((services, metrics) => metrics.AddReader(services.GetRequiredService<PrometheusScrape>().Reader));
        builder.Services.AddSingleton<ServerTelemetry>();
        builder.Services.AddSingleton<FleetMetrics>();
        return builder;
    }

    /// <summary>
    /// Maps <c>/alive</c> and <c>/health</c> (the service defaults) and <c>/metrics</c> (Prometheus text, for a viewer's
    /// bearer token: it tells how big the fleet is and how its jobs go; never traced).
    /// </summary>
    public static WebApplication MapServerEndpoints(this WebApplication app)
    {
        app.MapDefaultEndpoints();
        app.MapGet(MetricsPath, (PrometheusScrape scrape, FleetMetrics fleet) =>
                Results.Text(scrape.Collect() + fleet.Render(), "text/plain; version=0.0.4; charset=utf-8"))
            .RequireAuthorization(new AuthorizeAttribute(Roles.CanView) { AuthenticationSchemes = ApiTokenAuthenticationHandler.SchemeName })
            .ExcludeFromDescription();
        return app;
    }
}
