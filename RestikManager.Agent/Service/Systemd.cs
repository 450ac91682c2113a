using Microsoft.Extensions.Hosting.Systemd;

namespace RestikManager.Agent.Service;

/// <summary>
/// What systemd hears from the agent under <c>Type=notify</c> (the unit install.sh installs): <c>READY=1</c> once the state
/// is recovered and the schedule runs (before the first connection: a host whose server is away still backs up),
/// <c>WATCHDOG=1</c> at half the unit's <c>WatchdogSec=</c> while the process is responsive, <c>STOPPING=1</c> when a stop
/// begins. Outside systemd (no <c>NOTIFY_SOCKET</c>) every call does nothing. Uses the hosting package's
/// <see cref="SystemdNotifier"/> (the sd_notify datagram), not its generic host.
/// </summary>
internal sealed class Systemd
{
    private readonly SystemdNotifier _notifier = new();

    public bool IsEnabled => _notifier.IsEnabled;

    public void Ready() => _notifier.Notify(ServiceState.Ready);

    public void Stopping() => _notifier.Notify(ServiceState.Stopping);

    /// <summary>
    /// The watchdog interval systemd asks for (<c>WATCHDOG_USEC</c>, meant for this process when <c>WATCHDOG_PID</c> says
    /// so or is absent), or null when there is none.
    /// </summary>
    public static TimeSpan? WatchdogInterval()
    {
        if (Environment.GetEnvironmentVariable("WATCHDOG_PID") is { } pid && pid != Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            return null;
        }

        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out var microseconds) && microseconds > 0
            ? TimeSpan.FromMicroseconds(microseconds) : null;
    }

    /// <summary>Pings the watchdog at half its interval until <paramref name="cancellationToken"/> (a stop) fires.</summary>
    public async Task WatchdogAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        if (!IsEnabled || WatchdogInterval() is not { } interval)
        {
            return;
        }

        var watchdog = new ServiceState("WATCHDOG=1");
        _notifier.Notify(watchdog);
        using var timer = new PeriodicTimer(interval / 2, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                _notifier.Notify(watchdog);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
