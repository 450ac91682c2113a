using RestikManager.Server.Configuration;

namespace RestikManager.Server.Data;

internal static class DataExtensions
{
    /// <summary>Readies the data directory (refusing a bad one) and registers the database and secret key.</summary>
    public static IHostApplicationBuilder AddData(this IHostApplicationBuilder builder, ServerSettings settings)
    {
        var (key, database) = DataDirectory.Prepare(settings.DataDir);
        builder.Services.AddSingleton(key);
        builder.Services.AddSingleton(database);
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }
}
