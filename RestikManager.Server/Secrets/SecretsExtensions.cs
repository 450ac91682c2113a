using RestikManager.Server.Configuration;
using RestikManager.Server.Data;

namespace RestikManager.Server.Secrets;

internal static class SecretsExtensions
{
    /// <summary>Loads <c>secrets.enc</c> at start (refusing a damaged or foreign one) and registers the store.</summary>
    public static IHostApplicationBuilder AddSecrets(this IHostApplicationBuilder builder, ServerSettings settings, SecretKey key)
    {
        builder.Services.AddSingleton(new SecretStore(settings.DataDir, key));
        return builder;
    }
}
