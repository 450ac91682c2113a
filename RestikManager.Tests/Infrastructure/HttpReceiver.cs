using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RestikManager.Tests.Infrastructure;

/// <summary>One request a receiver got: method, path and query, headers, body.</summary>
internal sealed record ReceivedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Body);

    public System.Text.Json.JsonElement Json => System.Text.Json.JsonDocument.Parse(Body).RootElement.Clone();
}

/// <summary>
/// A real HTTP receiver on loopback (Kestrel, on a given or a free port) that records every request and answers
/// <see cref="Status"/> (200 unless a test changes it): the other end of webhooks, Slack, ntfy and the rest.
/// </summary>
internal sealed class HttpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    public int Status { get; set; } = StatusCodes.Status200OK;

    public string Url { get; private set; } = "";

    public static async Task<HttpReceiver> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var receiver = new HttpReceiver(app);
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            receiver.Requests.Enqueue(new ReceivedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body.ToArray()));
            context.Response.StatusCode = receiver.Status;
        });
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return receiver;
    }

    /// <summary>Waits until <paramref name="count"/> requests matching <paramref name="match"/> have come; returns them.</summary>
    public async Task<ReceivedRequest[]> WaitForAsync(Func<ReceivedRequest, bool> match, int count, TimeSpan timeout, string what)
    {
        await Eventually.TrueAsync(() => Requests.Count(match) >= count, timeout, what,
            () => string.Join("\n", Requests.Select(r => $"{r.Method} {r.PathAndQuery} {r.Text}")));
        return [.. Requests.Where(match)];
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
