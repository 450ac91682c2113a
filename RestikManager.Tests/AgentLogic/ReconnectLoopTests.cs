using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using RestikManager.Agent.Config;
using RestikManager.Agent.Connection;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Tests.AgentLogic;

/// <summary>The agent's connection loop, in process, against a server that accepts TCP but never answers the handshake.</summary>
public sealed class ReconnectLoopTests
{
    [Fact]
    public async Task AStopWhileConnectingEndsTheLoopWithoutAFault()
    {
        // Before the fix the cancelled connect escaped the loop, and a SIGTERM at that moment made the agent exit 1.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var config = new AgentConfig($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}", "a1", "h1", "rma_credential");
        var hello = new Hello(AgentProtocol.Version, "1.0.0", "c", "d", "linux", "amd64", "h1", null);
        var hellos = 0;
        var loop = new ReconnectLoop(config, _ => { Interlocked.Increment(ref hellos); return Task.FromResult(hello); },
            null!, Backoff.Default(), TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource();

        var running = loop.RunAsync(stop.Token);
        using (var accepted = await silent.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10)))
        {
            await stop.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(10));
        }

        running.IsCompletedSuccessfully.ShouldBeTrue();
        hellos.ShouldBe(1);
    }
}
