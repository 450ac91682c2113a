using System.Collections.Concurrent;
using System.Text.Json;
using Dapper;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Data;
using RestikManager.Server.Events;
using RestikManager.Server.Replicas;
using RestikManager.Server.Repositories;

namespace RestikManager.Server.Snapshots;

/// <summary>The collected answer to a query: its parts joined, or the error the agent reported.</summary>
internal sealed record QueryAnswer(List<SnapshotInfo> Snapshots, List<TreeEntry> Entries, bool More, string? ErrorClass, string? Error)
{
    /// <summary>The answer to a <c>stats</c> query.</summary>
    public RepositoryStats? Stats { get; init; }
}

/// <summary>
/// Asks an agent a read-only question and waits for the answer's parts. Only the agent that was asked can answer;
/// an answer that does not arrive in time is a timeout, and late parts are dropped. An agent held by another replica is
/// asked through it (<see cref="QueryForwarded"/>): that replica fills in the repository's secrets itself (they never
/// travel between replicas), asks, and leaves the whole answer in <c>query_answers</c> for this one
/// (<see cref="QueryAnswered"/>).
/// </summary>
internal sealed partial class QueryBroker(
    AgentConnections connections, RepositoryStore repositories, Database database, Replica replica, DomainEvents events,
    TimeProvider time, ILogger<QueryBroker> logger) : IAgentEvents, IHandles<QueryForwarded>, IHandles<QueryAnswered>
{
    private static readonly TimeSpan AnswersKept = TimeSpan.FromMinutes(10);
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    private sealed class Pending(string agentId, int maxItems)
    {
        public string AgentId { get; } = agentId;
        public int MaxItems { get; } = maxItems;
        public List<SnapshotInfo> Snapshots { get; } = [];
        public List<TreeEntry> Entries { get; } = [];
        public RepositoryStats? Stats { get; set; }
        public TaskCompletionSource<QueryAnswer?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// Sends <paramref name="query"/> (its id is set here) about <paramref name="repositoryId"/> and waits; null when the
    /// agent is offline.
    /// </summary>
    public async Task<QueryAnswer?> AskAsync(
        string agentId, string repositoryId, Query query, int maxItems, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var id = Guid.NewGuid().ToString("N");
        var pending = new Pending(agentId, maxItems);
        _pending[id] = pending;
        try
        {
            if (connections.IsLocal(agentId))
            {
                if (!connections.TrySend(agentId, query with { QueryId = id }))
                {
                    return null;
                }
            }
            else if (connections.ReplicaOf(agentId) is { } holder)
            {
                events.Publish(new QueryForwarded(replica.Id, holder, id, agentId, repositoryId, query.Kind, query.SnapshotId, query.Path,
                    query.Offset, query.Limit, maxItems, (long)timeout.TotalMilliseconds));
            }
            else
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

    /// <summary>Another replica asks the agent this one holds; the answer goes back through the database.</summary>
    public void Handle(QueryForwarded asked)
    {
        ArgumentNullException.ThrowIfNull(asked);
        if (asked.Holder != replica.Id || asked.Origin == replica.Id)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                QueryAnswer? answer = null;
                if (!connections.IsLocal(asked.AgentId))
                {
                    // Moved on since the asker looked: "offline" rather than a second hop.
                }
                else if (repositories.Access(asked.RepositoryId) is not { } access)
                {
                    answer = new QueryAnswer([], [], false, "not_found", "no such repository");
                }
                else
                {
                    var query = new Query("", asked.Kind, access, asked.SnapshotId, asked.Path, asked.Offset, asked.Limit);
                    answer = await AskAsync(asked.AgentId, asked.RepositoryId, query, asked.MaxItems, TimeSpan.FromMilliseconds(asked.TimeoutMs), CancellationToken.None);
                }

                Leave(asked.QueryId, answer);
                events.Publish(new QueryAnswered(asked.Origin, asked.QueryId));
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
            {
                LogForwardFailed(logger, asked.AgentId, e.Message);
            }
        });
    }

    /// <summary>The answer to a query this replica forwarded is in the database.</summary>
    public void Handle(QueryAnswered answered)
    {
        ArgumentNullException.ThrowIfNull(answered);
        if (answered.Origin != replica.Id)
        {
            return;
        }

        using var connection = database.Open();
        var body = connection.QuerySingleOrDefault<string>("DELETE FROM query_answers WHERE query_id = @id RETURNING body", new { id = answered.QueryId });
        if (body is null || !_pending.TryGetValue(answered.QueryId, out var pending))
        {
            return;
        }

        pending.Done.TrySetResult(body.Length == 0 || JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.AgentMessage) is not QueryReply reply
            ? null
            : new QueryAnswer([.. reply.Snapshots ?? []], [.. reply.Entries ?? []], reply.More, reply.ErrorClass, reply.Error) { Stats = reply.Stats });
    }

    private void Leave(string queryId, QueryAnswer? answer)
    {
        var body = answer is null ? "" : JsonSerializer.Serialize<AgentMessage>(
            new QueryReply(queryId, true, answer.Snapshots, answer.Entries, answer.More, answer.ErrorClass, answer.Error, answer.Stats),
            ProtocolJsonContext.Default.AgentMessage);
        var now = time.GetUtcNow();
        using var connection = database.Open();
        connection.Execute("DELETE FROM query_answers WHERE created_at < @old", new { old = now - AnswersKept });
        connection.Execute("INSERT INTO query_answers (query_id, body, created_at) VALUES (@queryId, @body, @now)", new { queryId, body, now });
    }

    [LoggerMessage(71, LogLevel.Warning, "A query for agent {AgentId} asked by another replica went unanswered: {Error}")]
    private static partial void LogForwardFailed(ILogger logger, string agentId, string error);

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
