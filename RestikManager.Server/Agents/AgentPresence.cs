using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RestikManager.Server.Workers;

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

    /// <summary>Puts back a batch that could not be written, unless a newer time came meanwhile.</summary>
    public void Restore(IEnumerable<KeyValuePair<string, DateTimeOffset>> batch)
    {
        foreach (var (agentId, at) in batch)
        {
            _dirty.AddOrUpdate(agentId, at, (_, newer) => newer > at ? newer : at);
        }
    }

    /// <summary>Takes the times not yet written.</summary>
    public IReadOnlyCollection<KeyValuePair<string, DateTimeOffset>> TakeDirty() =>
        Interlocked.Exchange(ref _dirty, new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal));
}

/// <summary>Writes <see cref="AgentPresence"/>'s batch every few seconds and once more at shutdown.</summary>
internal sealed class LastSeenFlusher(
    AgentPresence presence, AgentStore agents, WorkerIterations iterations, IOptions<WorkerOptions> options, TimeProvider time) : BackgroundService
{

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.LastSeenEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await iterations.RunAsync(WorkerNames.LastSeen, Flush, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await iterations.RunAsync(WorkerNames.LastSeen, Flush, CancellationToken.None);
    }

    private void Flush()
    {
        var batch = presence.TakeDirty();
        try
        {
            agents.WriteLastSeen(batch);
        }
        catch
        {
            // Not lost: written with the next batch (a newer time for the same host wins).
            presence.Restore(batch);
            throw;
        }
    }
}
