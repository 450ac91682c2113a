using System.Runtime.Versioning;
using System.ServiceProcess;

namespace RestikManager.Agent.Service;

/// <summary>
/// The agent as a real Windows service (<c>run --service</c>, the command line install.ps1 registers): the SCM's stop and
/// shutdown end the run the same way a signal does (restic interrupted, results kept, then exit), with up to 90 s asked
/// for. When the run ends by itself (an update was installed) the service stops with that exit code; install.ps1 sets
/// recovery actions (restart) and <c>failureflag</c>, so a non-zero exit starts the service again, on the new binary.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class WindowsAgentService : ServiceBase
{
    public const string Name = "restic-manager-agent";
    private readonly Func<CancellationToken, Task<int>> _run;
    private readonly CancellationTokenSource _stop = new();
    private Task? _running;

    public WindowsAgentService(Func<CancellationToken, Task<int>> run)
    {
        _run = run;
        ServiceName = Name;
        CanStop = true;
        CanShutdown = true;
    }

    protected override void OnStart(string[] args)
    {
        _running = Task.Run(async () =>
        {
            ExitCode = await _run(_stop.Token);
            if (!_stop.IsCancellationRequested)
            {
                Stop();
            }
        });
    }

    protected override void OnStop()
    {
        RequestAdditionalTime(90_000);
        _stop.Cancel();
        _running?.Wait(TimeSpan.FromSeconds(85));
    }

    protected override void OnShutdown() => OnStop();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop.Dispose();
        }

        base.Dispose(disposing);
    }
}
