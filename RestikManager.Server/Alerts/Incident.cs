namespace RestikManager.Server.Alerts;

/// <summary>States of an incident, and of a delivery (the outbox row that carries one message to one channel).</summary>
internal static class AlertStates
{
    public const string Firing = "firing";
    public const string Resolved = "resolved";

    /// <summary>A channel's Send test message (no incident).</summary>
    public const string Test = "test";

    /// <summary>A healthchecks ping (no incident).</summary>
    public const string Ping = "ping";

    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
}

/// <summary>
/// A condition a rule found: <see cref="Subject"/> names what it is about (<c>host:…</c>, <c>plan:…/host:…</c>,
/// <c>repository:…</c>, <c>channel:…</c>); (rule, event, subject) has at most one firing incident.
/// </summary>
internal sealed record Incident(
    string Id, string RuleId, string RuleName, string Event, string Subject, string? AgentId, string? PlanId, string? RepositoryId,
    string? JobId, string Message, string State, string FiredAt, string? ResolvedAt, string LastNotifiedAt, long Reminders);

/// <summary>One message to one channel in the outbox.</summary>
internal sealed record Delivery(
    string Id, string? IncidentId, string ChannelId, string State, long Sequence, string Payload, string Status, long Attempts,
    string NextAttemptAt, string? LastError, string CreatedAt, string? DeliveredAt);

/// <summary>A message to queue: for an incident (or none, for pings), to one channel.</summary>
internal sealed record NewDelivery(string? IncidentId, string ChannelId, string State, long Sequence, string Payload);

/// <summary>A channel's newest deliveries: how many in a row were marked failed, and the newest failure's reason.</summary>
/// <remarks>
/// Settable, not positional: SQLite names no type for a computed column of an empty result, and Dapper matches a
/// positional record's constructor by the column types.
/// </remarks>
internal sealed record ChannelRun
{
    public string ChannelId { get; init; } = "";

    public long FailedInARow { get; init; }

    public string? LastError { get; init; }

    /// <summary>Whether this run makes the channel failing: at least <paramref name="after"/> failures in a row.</summary>
    public bool IsFailing(int after) => FailedInARow >= after;
}
