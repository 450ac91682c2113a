using RestikManager.Server.Configuration;

namespace RestikManager.Server.Data;

internal static class DataExtensions
{
    /// <summary>Readies the data directory (refusing a bad one), registers the database and returns the secret key.</summary>
    public static SecretKey AddData(this IHostApplicationBuilder builder, ServerSettings settings)
    {
        var (key, database) = DataDirectory.Prepare(settings.DataDir);
        builder.Services.AddSingleton(database);
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return key;
    }
}
