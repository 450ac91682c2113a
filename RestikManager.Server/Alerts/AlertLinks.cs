using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using RestikManager.Server.Configuration;

namespace RestikManager.Server.Alerts;

/// <summary>
/// Links in messages: <c>RM_BASE_URL</c> and the page's path when it is set; otherwise the address the server listens
/// on (a wildcard listener named as localhost), which only the server's own machine may reach: set RM_BASE_URL.
/// </summary>
internal sealed class AlertLinks(ServerSettings settings, IServer server)
{
    public string For(string path) => Base() + path;

    private string Base()
    {
        if (settings.BaseUrl is { } configured)
        {
            return configured.ToString().TrimEnd('/');
        }

        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return address is null ? "" : address.Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
            .Replace("://[::]", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal).TrimEnd('/');
    }
}
