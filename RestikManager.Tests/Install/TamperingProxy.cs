using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RestikManager.Tests.Install;

/// <summary>
/// A man in the middle on loopback: forwards to the real server, keeps its headers (the checksum among
/// them), and flips one byte of every agent binary it passes on.
/// </summary>
internal sealed class TamperingProxy : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TamperingProxy(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<TamperingProxy> StartAsync(string upstream)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var http = new HttpClient { BaseAddress = new Uri(upstream) };
        app.Run(async context =>
        {
            using var response = await http.GetAsync(context.Request.Path + context.Request.QueryString);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (context.Request.Path.StartsWithSegments("/agent/binary") && body.Length > 100)
            {
                body[body.Length / 2] ^= 0xFF;
            }

            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var header in response.Headers.Where(h => h.Key.StartsWith("X-", StringComparison.OrdinalIgnoreCase)))
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }

            await context.Response.Body.WriteAsync(body);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TamperingProxy(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
