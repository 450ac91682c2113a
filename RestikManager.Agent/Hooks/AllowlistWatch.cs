using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Hooks;

/// <summary>
/// Notices when the allowlist no longer reads as the agent last reported it (an entry added, removed, changed or made
/// unsafe), so that the connection is made again and its hello tells the server, without restarting the agent. It reads
/// the folder every <paramref name="every"/>: a few small files, on every host, is less than a watcher's platform quirks.
/// </summary>
internal sealed class AllowlistWatch(Allowlist allowlist, TimeSpan every, TimeProvider time)
{
    public static readonly TimeSpan DefaultEvery = TimeSpan.FromSeconds(2);

    private volatile IReadOnlyList<AllowedEntry> _reported = [];

    /// <summary>The allowlist as the next hello reports it (remembered for <see cref="ChangedAsync"/>).</summary>
    public IReadOnlyList<AllowedEntry> Report()
    {
        var report = allowlist.Report();
        _reported = report;
        return report;
    }

    /// <summary>Completes when the allowlist reads differently from the last report; cancelled with the connection.</summary>
    public async Task ChangedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(every, time, cancellationToken);
            if (!allowlist.Report().SequenceEqual(_reported))
            {
                return;
            }
        }
    }
}
