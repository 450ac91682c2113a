using System.Net;
using RestikManager.Server.Configuration;

namespace RestikManager.Server.Hosting;

internal static class KestrelSetup
{
    /// <summary>Listens where <c>RM_LISTEN</c> says, over HTTPS when <c>RM_TLS_CERT</c>/<c>RM_TLS_KEY</c> are set.</summary>
    public static IHostApplicationBuilder AddListener(this WebApplicationBuilder builder, ServerSettings settings)
    {
        var certificate = settings.Tls?.LoadCertificate();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            void Configure(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen)
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            }

            var listen = settings.Listen;
            if (listen.IsLocalhost)
            {
                kestrel.ListenLocalhost(listen.Port, Configure);
            }
            else if (listen.Address is null)
            {
                kestrel.Listen(IPAddress.IPv6Any, listen.Port, Configure);
            }
            else
            {
                kestrel.Listen(listen.Address, listen.Port, Configure);
            }
        });
        return builder;
    }
}
