using System.Collections.Concurrent;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;

namespace RestikManager.Server.Snapshots;

/// <summary>The collected answer to a query: its parts joined, or the error the agent reported.</summary>
internal sealed record QueryAnswer(List<SnapshotInfo> Snapshots, List<TreeEntry> Entries, bool More, string? ErrorClass, string? Error)
{
    /// <summary>The answer to a <c>stats</c> query.</summary>
    public RepositoryStats? Stats { get; init; }
}

/// <summary>
/// Asks an agent a read-only question and waits for the answer's parts. Only the agent that was asked can answer;
/// an answer that does not arrive in time is a timeout, and late parts are dropped.
/// </summary>
internal sealed class QueryBroker(AgentConnections connections) : IAgentEvents
{
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    private sealed class Pending(string agentId, int maxItems)
    {
        public string AgentId { get; } = agentId;
        public int MaxItems { get; } = maxItems;
        public List<SnapshotInfo> Snapshots { get; } = [];
        public List<TreeEntry> Entries { get; } = [];
        public RepositoryStats? Stats { get; set; }
        public TaskCompletionSource<QueryAnswer> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Sends <paramref name="query"/> (its id is set here) and waits; null when the agent is offline.</summary>
    public async Task<QueryAnswer?> AskAsync(string agentId, Query query, int maxItems, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N");
        var pending = new Pending(agentId, maxItems);
        _pending[id] = pending;
        try
        {
            if (!connections.TrySend(agentId, query with { QueryId = id }))
            {
                return null;
            }

            return await pending.Done.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            return new QueryAnswer([], [], false, "timeout", $"the host did not answer within {timeout.TotalSeconds:F0} s");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    public IReadOnlyCollection<Type> Handles { get; } = [typeof(QueryReply)];

    /// <summary>A part of an answer: one that no pending query of this agent asked for is a forged claim.</summary>
    public Breach? Received(string agentId, AgentMessage message) =>
        Accept(agentId, (QueryReply)message) is { } problem ? Breach.Forged(problem) : null;

    /// <summary>A part of an answer from <paramref name="agentId"/>; returns why it is refused, or null.</summary>
    public string? Accept(string agentId, QueryReply reply)
    {
        if (!_pending.TryGetValue(reply.QueryId, out var pending))
        {
            return null; // late or unknown: ignored
        }

        if (pending.AgentId != agentId)
        {
            return "answer to another agent's query";
        }

        lock (pending)
        {
            pending.Snapshots.AddRange(reply.Snapshots ?? []);
            pending.Entries.AddRange(reply.Entries ?? []);
            pending.Stats ??= reply.Stats;
            if (pending.Snapshots.Count + pending.Entries.Count > pending.MaxItems)
            {
                pending.Done.TrySetResult(new QueryAnswer([], [], false, "too_large", "the host's answer was larger than asked for"));
            }
            else if (reply.Done)
            {
                pending.Done.TrySetResult(new QueryAnswer(pending.Snapshots, pending.Entries, reply.More, reply.ErrorClass, reply.Error) { Stats = pending.Stats });
            }
        }

        return null;
    }
}
