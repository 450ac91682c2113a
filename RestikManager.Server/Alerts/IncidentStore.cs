using Dapper;
using RestikManager.Server.Data;

namespace RestikManager.Server.Alerts;

/// <summary>
/// Incidents and the delivery outbox. An incident's change and the deliveries that announce it are written in one
/// transaction: after a crash either both are there (and the worker sends them) or neither (and the next evaluation
/// finds the condition again).
/// </summary>
internal sealed class IncidentStore(Database database, TimeProvider time)
{
    private const string IncidentColumns = """
        id, rule_id AS RuleId, rule_name AS RuleName, event, subject, agent_id AS AgentId, plan_id AS PlanId,
        repository_id AS RepositoryId, job_id AS JobId, message, state, fired_at AS FiredAt, resolved_at AS ResolvedAt,
        last_notified_at AS LastNotifiedAt, reminders
        """;

    private const string DeliveryColumns = """
        id, incident_id AS IncidentId, channel_id AS ChannelId, state, sequence, payload, status, attempts,
        next_attempt_at AS NextAttemptAt, last_error AS LastError, created_at AS CreatedAt, delivered_at AS DeliveredAt
        """;

    /// <summary>Every firing incident (one index range: incidents_one_firing).</summary>
    public IReadOnlyList<Incident> Firing()
    {
        using var connection = database.Open();
        return [.. connection.Query<Incident>($"SELECT {IncidentColumns} FROM incidents WHERE state = '{AlertStates.Firing}'")];
    }

    /// <summary>Incidents newest first, optionally only those in <paramref name="state"/>.</summary>
    public IReadOnlyList<Incident> List(string? state, int offset, int limit)
    {
        using var connection = database.Open();
        return [.. connection.Query<Incident>(
            $"SELECT {IncidentColumns} FROM incidents WHERE @state IS NULL OR state = @state ORDER BY fired_at DESC, id LIMIT @limit OFFSET @offset",
            new { state, limit, offset })];
    }

    public int Count(string? state)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<int>("SELECT count(*) FROM incidents WHERE @state IS NULL OR state = @state", new { state });
    }

    public Incident? Find(string id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<Incident>($"SELECT {IncidentColumns} FROM incidents WHERE id = @id", new { id });
    }

    /// <summary>The deliveries of the given incidents, oldest first.</summary>
    public ILookup<string, Delivery> DeliveriesOf(IReadOnlyList<string> incidentIds)
    {
        using var connection = database.Open();
        return connection.Query<Delivery>($"SELECT {DeliveryColumns} FROM deliveries WHERE {database.Sql.In("incident_id", "@incidentIds")} ORDER BY created_at, sequence",
            new { incidentIds }).ToLookup(d => d.IncidentId!);
    }

    /// <summary>The newest delivery to each channel (the channels list shows it).</summary>
    public IReadOnlyDictionary<string, Delivery> LastDeliveries()
    {
        using var connection = database.Open();
        // One index seek per channel (deliveries_by_channel), however long the history.
        return connection.Query<Delivery>($"""
            SELECT {DeliveryColumns} FROM deliveries WHERE id IN (
                SELECT (SELECT x.id FROM deliveries x WHERE x.channel_id = c.id ORDER BY x.created_at DESC, x.id DESC LIMIT 1)
                FROM notification_channels c)
            """).ToDictionary(d => d.ChannelId);
    }

    /// <summary>
    /// Each channel's run of failures: how many of its newest deliveries in a row were marked failed (Send tests do not
    /// count, but a delivered one ends the run), and the newest failure's reason.
    /// </summary>
    public IReadOnlyDictionary<string, ChannelRun> ChannelRuns()
    {
        using var connection = database.Open();
        return connection.Query<ChannelRun>($"""
            SELECT c.id AS ChannelId,
                (SELECT count(*) FROM deliveries d
                  WHERE d.channel_id = c.id AND d.status = '{AlertStates.Failed}' AND d.state <> '{AlertStates.Test}'
                    AND d.rowid > coalesce((SELECT max(x.rowid) FROM deliveries x
                                            WHERE x.channel_id = c.id AND x.status = '{AlertStates.Delivered}'), 0)) AS FailedInARow,
                (SELECT d.last_error FROM deliveries d WHERE d.channel_id = c.id AND d.status = '{AlertStates.Failed}'
                  ORDER BY d.rowid DESC LIMIT 1) AS LastError
            FROM notification_channels c
            """).ToDictionary(r => r.ChannelId);
    }

    /// <summary>
    /// Writes an evaluation's outcome in one transaction: incidents that fired, were resolved (at their time) or
    /// reminded, and the deliveries announcing them.
    /// </summary>
    public void Commit(
        IReadOnlyList<Incident> fired, IReadOnlyList<string> resolved, IReadOnlyList<string> reminded, IReadOnlyList<NewDelivery> deliveries)
    {
        var now = time.GetUtcNow();
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        connection.Execute("""
            INSERT INTO incidents (id, rule_id, rule_name, event, subject, agent_id, plan_id, repository_id, job_id, message, state,
                                   fired_at, last_notified_at, reminders)
            VALUES (@Id, @RuleId, @RuleName, @Event, @Subject, @AgentId, @PlanId, @RepositoryId, @JobId, @Message, @State,
                    @FiredAt, @LastNotifiedAt, 0)
            """, fired, transaction);
        connection.Execute($"UPDATE incidents SET state = '{AlertStates.Resolved}', resolved_at = @now WHERE id = @id AND state = '{AlertStates.Firing}'",
            resolved.Select(id => new { id, now }), transaction);
        connection.Execute("UPDATE incidents SET last_notified_at = @now, reminders = reminders + 1 WHERE id = @id",
            reminded.Select(id => new { id, now }), transaction);
        Insert(connection, transaction, deliveries, now);
        transaction.Commit();
    }

    /// <summary>Queues deliveries that belong to no incident (healthchecks pings).</summary>
    public void Queue(IReadOnlyList<NewDelivery> deliveries)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        Insert(connection, transaction, deliveries, time.GetUtcNow());
        transaction.Commit();
    }

    /// <summary>Records a Send test, sent at once by the caller: delivered, or failed with its error.</summary>
    public void RecordTest(string channelId, string payload, string? error)
    {
        var now = time.GetUtcNow();
        using var connection = database.Open();
        connection.Execute($"""
            INSERT INTO deliveries (id, incident_id, channel_id, state, payload, status, attempts, next_attempt_at, last_error, created_at, delivered_at)
            VALUES (@id, NULL, @channelId, '{AlertStates.Test}', @payload, @status, 1, @now, @error, @now, @deliveredAt)
            """, new
        {
            id = Guid.NewGuid().ToString("N"), channelId, payload, status = error is null ? AlertStates.Delivered : AlertStates.Failed,
            now, error, deliveredAt = error is null ? now : (DateTimeOffset?)null,
        });
    }

    /// <summary>
    /// The deliveries a channel may be sent now: its oldest pending one (by insertion). Each channel hears its messages in
    /// the order they were queued, and a later one never overtakes an earlier one that is waiting for a retry.
    /// </summary>
    private const string HeadOfItsChannel = $"""
        d.status = '{AlertStates.Pending}'
        AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.channel_id = d.channel_id AND e.status = '{AlertStates.Pending}' AND e.rowid < d.rowid)
        """;

    /// <summary>Pending deliveries whose time has come, at most one per channel (<see cref="HeadOfItsChannel"/>), soonest first.</summary>
    public IReadOnlyList<Delivery> Due(DateTimeOffset now, int limit)
    {
        using var connection = database.Open();
        return [.. connection.Query<Delivery>(
            $"SELECT {DeliveryColumns} FROM deliveries d WHERE {HeadOfItsChannel} AND d.next_attempt_at <= @now ORDER BY d.next_attempt_at LIMIT @limit",
            new { now, limit })];
    }

    /// <summary>
    /// When the next delivery may be sent, if any: a delivery held behind an earlier one of its channel is not due, however
    /// old (counting it would wake the worker to find nothing to send, again and again, until the earlier one's retry).
    /// </summary>
    public DateTimeOffset? NextDue()
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<DateTimeOffset?>($"SELECT min(d.next_attempt_at) FROM deliveries d WHERE {HeadOfItsChannel}");
    }

    public void Delivered(string id)
    {
        using var connection = database.Open();
        connection.Execute($"UPDATE deliveries SET status = '{AlertStates.Delivered}', attempts = attempts + 1, delivered_at = @now, last_error = NULL WHERE id = @id",
            new { id, now = time.GetUtcNow() });
    }

    /// <summary>An attempt failed: retried at <paramref name="retryAt"/>, or (null) given up and marked failed.</summary>
    public void AttemptFailed(string id, string error, DateTimeOffset? retryAt)
    {
        using var connection = database.Open();
        connection.Execute($"""
            UPDATE deliveries SET attempts = attempts + 1, last_error = @error,
                status = CASE WHEN CAST(@retryAt AS TEXT) IS NULL THEN '{AlertStates.Failed}' ELSE status END,
                next_attempt_at = coalesce(CAST(@retryAt AS TEXT), next_attempt_at)
            WHERE id = @id
            """, new { id, error, retryAt });
    }

    /// <summary>Firing incidents by event, and deliveries by status (for /metrics).</summary>
    public (IReadOnlyDictionary<string, long> FiringByEvent, IReadOnlyDictionary<string, long> DeliveriesByStatus) Counts()
    {
        using var connection = database.Open();
        var firing = connection.Query<(string, long)>($"SELECT event, count(*) FROM incidents WHERE state = '{AlertStates.Firing}' GROUP BY event")
            .ToDictionary(x => x.Item1, x => x.Item2);
        var deliveries = connection.Query<(string, long)>("SELECT status, count(*) FROM deliveries GROUP BY status").ToDictionary(x => x.Item1, x => x.Item2);
        return (firing, deliveries);
    }

    private static void Insert(System.Data.Common.DbConnection connection, System.Data.IDbTransaction transaction, IReadOnlyList<NewDelivery> deliveries, DateTimeOffset now) =>
        connection.Execute($"""
            INSERT INTO deliveries (id, incident_id, channel_id, state, sequence, payload, status, next_attempt_at, created_at)
            VALUES (@id, @IncidentId, @ChannelId, @State, @Sequence, @Payload, '{AlertStates.Pending}', @now, @now)
            ON CONFLICT DO NOTHING
            """, deliveries.Select(d => new { id = Guid.NewGuid().ToString("N"), d.IncidentId, d.ChannelId, d.State, d.Sequence, d.Payload, now }), transaction);
}
