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
/// them), and flips one byte of every agent binary it passes on. The agent WebSocket passes through untouched, so an
/// agent enrolled through the proxy stays connected through it.
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
        app.UseWebSockets();
        app.Run(async context =>
        {
            if (context.WebSockets.IsWebSocketRequest)
            {
                await RelayWebSocketAsync(context, upstream);
                return;
            }

            if (HttpMethods.IsPost(context.Request.Method))
            {
                using var content = new StreamContent(context.Request.Body);
                content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(context.Request.ContentType ?? "application/json");
                using var posted = await http.PostAsync(context.Request.Path + context.Request.QueryString, content);
                context.Response.StatusCode = (int)posted.StatusCode;
                context.Response.ContentType = posted.Content.Headers.ContentType?.ToString();
                await context.Response.Body.WriteAsync(await posted.Content.ReadAsByteArrayAsync());
                return;
            }

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

    private static async Task RelayWebSocketAsync(HttpContext context, string upstream)
    {
        using var server = new System.Net.WebSockets.ClientWebSocket();
        server.Options.SetRequestHeader("Authorization", context.Request.Headers.Authorization.ToString());
        try
        {
            await server.ConnectAsync(new Uri(upstream.Replace("http://", "ws://", StringComparison.Ordinal).TrimEnd('/') + context.Request.Path), context.RequestAborted);
        }
        catch (System.Net.WebSockets.WebSocketException)
        {
            context.Response.StatusCode = (int)(server.HttpStatusCode == 0 ? System.Net.HttpStatusCode.BadGateway : server.HttpStatusCode);
            return;
        }

        using var client = await context.WebSockets.AcceptWebSocketAsync();
        await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
    }

    private static async Task PumpAsync(System.Net.WebSockets.WebSocket from, System.Net.WebSockets.WebSocket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var received = await from.ReceiveAsync(buffer, CancellationToken.None);
                if (received.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                {
                    await to.CloseOutputAsync(from.CloseStatus ?? System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, from.CloseStatusDescription, CancellationToken.None);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, CancellationToken.None);
            }
        }
        catch (System.Net.WebSockets.WebSocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
