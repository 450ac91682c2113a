using RestikManager.Server.Configuration;
using RestikManager.Server.Data;

namespace RestikManager.Server.Secrets;

internal static class SecretsExtensions
{
    /// <summary>Loads <c>secrets.enc</c> (or the secrets row) at start (refusing a damaged or foreign one) and registers the store.</summary>
    public static IHostApplicationBuilder AddSecrets(this IHostApplicationBuilder builder, ServerSettings settings, SecretKey key, Database database)
    {
        builder.Services.AddSingleton(database.Engine == DatabaseEngine.Postgres
            ? new SecretStore(database, key)
            : new SecretStore(settings.DataDir, key));
        return builder;
    }
}
