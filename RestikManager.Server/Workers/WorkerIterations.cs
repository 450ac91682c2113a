using System.Collections.Concurrent;
using RestikManager.Server.Telemetry;

namespace RestikManager.Server.Workers;

/// <summary>The background loops, as they are named in logs and in <c>restic_manager_background_faults_total{worker}</c>.</summary>
internal static class WorkerNames
{
    public const string AlertOutbox = "alert-outbox";
    public const string AlertEvaluator = "alert-evaluator";
    public const string Maintenance = "maintenance";
    public const string AwayHosts = "away-hosts";
    public const string Dispatch = "dispatch";
    public const string Rollout = "rollout";
    public const string ProtectionWarmup = "protection-warmup";
    public const string SnapshotRefresh = "snapshot-refresh";
    public const string LastSeen = "last-seen";

    public static readonly IReadOnlyList<string> All =
        [AlertOutbox, AlertEvaluator, Maintenance, AwayHosts, Dispatch, Rollout, ProtectionWarmup, SnapshotRefresh, LastSeen];
}

/// <summary>
/// A test's way into the background loops: asked before every iteration, it may throw to stand for a fault of that
/// iteration. The server's own does nothing; only a test registers another (it is no setting of the product).
/// </summary>
internal interface IWorkerFaultSeam
{
    void BeforeIteration(string worker);
}

internal sealed class NoWorkerFaults : IWorkerFaultSeam
{
    public void BeforeIteration(string worker)
    {
    }
}

/// <summary>
/// Runs one iteration of a background loop so that nothing it throws leaves the loop: a fault is logged (the first of a
/// run in full, the next ones as one line each), counted in <c>restic_manager_background_faults_total{worker}</c> and
/// answered with a pause that doubles from 1 s up to 1 min while the faults go on; the loop then goes on. A stop of the
/// server is not a fault.
/// </summary>
internal sealed partial class WorkerIterations(ServerTelemetry telemetry, IWorkerFaultSeam seam, TimeProvider time, ILogger<WorkerIterations> logger)
{
    public static readonly TimeSpan FirstPause = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxPause = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, int> _faultsInARow = Zeroed(telemetry);

    /// <summary>Runs <paramref name="iteration"/> once; false when it faulted (and the pause has been waited) or the server is stopping.</summary>
    public async Task<bool> RunAsync(string worker, Func<CancellationToken, Task> iteration, CancellationToken stopping)
    {
        try
        {
            seam.BeforeIteration(worker);
            await iteration(stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e)
        {
            await FaultedAsync(worker, e, stopping);
            return false;
        }

        if (_faultsInARow.TryRemove(worker, out var faults))
        {
            LogRecovered(logger, worker, faults);
        }

        return true;
    }

    /// <summary>The same for an iteration that does not wait on anything.</summary>
    public Task<bool> RunAsync(string worker, Action iteration, CancellationToken stopping) =>
        RunAsync(worker, _ =>
        {
            iteration();
            return Task.CompletedTask;
        }, stopping);

    /// <summary>The pause after the <paramref name="faultsInARow"/>th fault in a row.</summary>
    public static TimeSpan Pause(int faultsInARow) =>
        TimeSpan.FromTicks(Math.Min(MaxPause.Ticks, FirstPause.Ticks << Math.Clamp(faultsInARow - 1, 0, 16)));

    // Every worker's series is there from the start (at 0), so a rate over it sees the first fault.
    private static ConcurrentDictionary<string, int> Zeroed(ServerTelemetry telemetry)
    {
        foreach (var worker in WorkerNames.All)
        {
            telemetry.BackgroundFault(worker, 0);
        }

        return new(StringComparer.Ordinal);
    }

    private async Task FaultedAsync(string worker, Exception e, CancellationToken stopping)
    {
        var inARow = _faultsInARow.AddOrUpdate(worker, 1, (_, n) => n + 1);
        telemetry.BackgroundFault(worker, 1);
        var pause = Pause(inARow);
        if (inARow == 1)
        {
            LogFault(logger, worker, e.GetType().Name, e.Message, pause.TotalSeconds, e);
        }
        else
        {
            LogStillFaulting(logger, worker, inARow, e.GetType().Name, e.Message, pause.TotalSeconds);
        }

        try
        {
            await Task.Delay(pause, time, stopping);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(150, LogLevel.Error, "Background work {Worker} failed ({Type}: {Reason}); it goes on after {PauseSeconds} s")]
    private static partial void LogFault(ILogger logger, string worker, string type, string reason, double pauseSeconds, Exception exception);

    [LoggerMessage(151, LogLevel.Warning, "Background work {Worker} failed again, {FaultsInARow} times in a row ({Type}: {Reason}); it goes on after {PauseSeconds} s")]
    private static partial void LogStillFaulting(ILogger logger, string worker, int faultsInARow, string type, string reason, double pauseSeconds);

    [LoggerMessage(152, LogLevel.Information, "Background work {Worker} works again after {Faults} failed rounds")]
    private static partial void LogRecovered(ILogger logger, string worker, int faults);
}
