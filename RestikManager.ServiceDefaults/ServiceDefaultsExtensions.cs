using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RestikManager.ServiceDefaults;

/// <summary>What every restic-manager service gets: health endpoints and single-line console logs.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Tag of the checks that say only "the process is up" (served on <c>/alive</c>).</summary>
    public const string LiveTag = "live";

    /// <summary>Path of the liveness endpoint.</summary>
    public const string AlivePath = "/alive";

    /// <summary>Path of the readiness endpoint.</summary>
    public const string HealthPath = "/health";

    /// <summary>Registers the service defaults on <paramref name="builder"/>.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        // Per-request lines drown what an operator needs; warnings and errors still show.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>Maps <c>/alive</c> (process up) and <c>/health</c> (every registered check passes).</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) });
        app.MapHealthChecks(HealthPath);
        return app;
    }
}
