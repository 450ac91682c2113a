using RestikManager.Server.Events;

namespace RestikManager.Server.Snapshots;

/// <summary>
/// Replica <paramref name="Origin"/> asks replica <paramref name="Holder"/>, which holds the agent's connection, to put
/// a query to it. The repository is named, never its secrets: the holder reads them itself.
/// </summary>
internal sealed record QueryForwarded(
    string Origin, string Holder, string QueryId, string AgentId, string RepositoryId, string Kind, string? SnapshotId, string? Path,
    int Offset, int Limit, int MaxItems, long TimeoutMs) : IReplicatedEvent;

/// <summary>The answer to <paramref name="QueryId"/>, asked by replica <paramref name="Origin"/>, is in <c>query_answers</c>.</summary>
internal sealed record QueryAnswered(string Origin, string QueryId) : IReplicatedEvent;
