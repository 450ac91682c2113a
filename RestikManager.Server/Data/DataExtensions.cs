using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using RestikManager.Server.Configuration;

namespace RestikManager.Server.Data;

internal static class DataExtensions
{
    /// <summary>Readies the data directory (refusing a bad one), registers the database and returns the secret key.</summary>
    public static (SecretKey Key, Database Database) AddData(this IHostApplicationBuilder builder, ServerSettings settings)
    {
        var (key, database) = DataDirectory.Prepare(settings);
        builder.Services.AddSingleton(database);
        builder.Services.AddSingleton(key);
        if (database.Engine == DatabaseEngine.Postgres)
        {
            // Npgsql's own spans and metrics (commands, pool use) beside the server's.
            builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddNpgsql());
            builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddNpgsqlInstrumentation());
        }

        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return (key, database);
    }
}
