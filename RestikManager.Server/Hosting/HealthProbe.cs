using Microsoft.Extensions.Configuration;
using RestikManager.Server.Configuration;

namespace RestikManager.Server.Hosting;

/// <summary>
/// <c>restic-manager-server health</c>: asks the local server's <c>/health</c> (at <c>RM_LISTEN</c>) and
/// exits 0 when ready, 1 otherwise. The image's HEALTHCHECK runs it, as the image has no curl.
/// </summary>
internal static class HealthProbe
{
    public static async Task<int> RunAsync(TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ServerSettings settings;
        try
        {
            settings = ServerSettings.Load(new ConfigurationBuilder().AddEnvironmentVariables().Build());
        }
        catch (StartupRefusedException e)
        {
            await error.WriteLineAsync($"unhealthy: {e.Message}");
            return 1;
        }

        var url = new Uri(settings.Listen.LocalUrl(https: settings.Tls is not null), WebDefaults.HealthPath);
        using var handler = new HttpClientHandler
        {
            // The probe talks to this very process over loopback; the certificate is for the public name.
            ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator,
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await client.GetAsync(url, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                await output.WriteLineAsync($"healthy: {url} answered {(int)response.StatusCode} {body}");
                return 0;
            }

            await error.WriteLineAsync($"unhealthy: {url} answered {(int)response.StatusCode} {body}");
            return 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await error.WriteLineAsync($"unhealthy: {url}: {e.Message}");
            return 1;
        }
    }
}
