using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RestikManager.Agent.Config;
using RestikManager.Agent.Connection;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Tests.AgentLogic;

/// <summary>
/// A stopping agent closes its connection and waits for the server's answer only briefly (the socket writer's grace):
/// a server that never answers the close (wedged, or a network gone quiet) cannot keep the agent from exiting.
/// </summary>
public sealed class ServerSessionStopTests
{
    // SocketWriter's default grace for a close to be answered.
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task AStopEndsTheSessionEvenWhenTheServerNeverAnswersTheClose()
    {
        // A real WebSocket peer that takes the agent's hello and then says nothing, ever (it never answers a close).
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.UseWebSockets();
        var accepted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Map(AgentProtocol.WebSocketPath, async (HttpContext context) =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            // The agent's hello: it is connected. From here on the server reads nothing, so it never sees the close.
            await socket.ReceiveAsync(new byte[64 * 1024], context.RequestAborted);
            accepted.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var hello = new Hello(AgentProtocol.Version, "1.0.0", "c", "d", "linux", "amd64", "h1", null);
        var session = new ServerSession(new AgentConfig(url, "a1", "h1", "rma_credential"), hello, null, TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = session.RunAsync(stop.Token);
        await accepted.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var clock = Stopwatch.StartNew();
        await stop.CancelAsync();
        var outcome = await running.WaitAsync(TimeSpan.FromSeconds(30));

        clock.Elapsed.ShouldBeLessThan(CloseGrace + TimeSpan.FromSeconds(10), "the close is waited for at most its grace");
        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(CloseGrace - TimeSpan.FromMilliseconds(100), "the server is given its grace to answer");
        outcome.Reason.ShouldBe("agent stopping");
        outcome.Welcomed.ShouldBeFalse();
    }
}
