using System.Runtime.InteropServices;

namespace RestikManager.Agent;

/// <summary>
/// SIGINT and SIGTERM (Ctrl+C, <c>systemctl stop</c>, a reboot; on Windows Ctrl+C and close) as a token: the default
/// action, ending the process at once, is cancelled so that the agent can stop its restic runs first.
/// </summary>
internal sealed partial class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PosixSignalRegistration[] _registrations;
    private readonly ILogger _logger;
    private int _signalled;

    private readonly CancellationTokenRegistration _external;

    /// <summary>Also stops when <paramref name="external"/> fires (the Windows service's stop).</summary>
    public StopSignals(ILogger logger, CancellationToken external = default)
    {
        _logger = logger;
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
        _external = external.Register(() => Stop("service stop"));
    }

    public CancellationToken Token => _stop.Token;

    /// <summary>Completes when a stop signal arrives.</summary>
    public Task Stopped => _stopped.Task;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        Stop(context.Signal.ToString());
    }

    private void Stop(string why)
    {
        // SIGINT and SIGTERM may arrive together (a service manager signals the process and its group): act once.
        if (Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            LogStopping(_logger, why);
            _stop.Cancel();
            _stopped.TrySetResult();
        }
    }

    public void Dispose()
    {
        _external.Dispose();
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
    }

    [LoggerMessage(8, LogLevel.Information, "Stopping ({Signal}): interrupting running jobs")]
    private static partial void LogStopping(ILogger logger, string signal);
}
