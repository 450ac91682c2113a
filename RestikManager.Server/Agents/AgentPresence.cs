using System.Collections.Concurrent;

namespace RestikManager.Server.Agents;

/// <summary>
/// Last-seen times held in memory and written in batches by <see cref="LastSeenFlusher"/>, so heartbeats
/// from thousands of agents cost no database write each.
/// </summary>
internal sealed class AgentPresence
{
    private ConcurrentDictionary<string, DateTimeOffset> _dirty = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _latest = new(StringComparer.Ordinal);

    public void Seen(string agentId, DateTimeOffset at)
    {
        _latest[agentId] = at;
        _dirty[agentId] = at;
    }

    /// <summary>The newest time seen in this process, which may be ahead of the database.</summary>
    public DateTimeOffset? LastSeen(string agentId) => _latest.TryGetValue(agentId, out var at) ? at : null;

    /// <summary>Takes the times not yet written.</summary>
    public IReadOnlyCollection<KeyValuePair<string, DateTimeOffset>> TakeDirty() =>
        Interlocked.Exchange(ref _dirty, new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal));
}

/// <summary>Writes <see cref="AgentPresence"/>'s batch every few seconds and once more at shutdown.</summary>
internal sealed partial class LastSeenFlusher(AgentPresence presence, AgentStore agents, TimeProvider time, ILogger<LastSeenFlusher> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Flush();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        Flush();
    }

    private void Flush()
    {
        try
        {
            agents.WriteLastSeen(presence.TakeDirty());
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            LogFlushFailed(logger, e);
        }
    }

    [LoggerMessage(30, LogLevel.Warning, "Could not write agents' last-seen times; will retry")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
