using Dapper;
using Npgsql;
using RestikManager.Server.Data;
using RestikManager.Server.Events;

namespace RestikManager.Server.Replicas;

/// <summary>
/// Replicated events between replicas over PostgreSQL's LISTEN/NOTIFY on one channel, <c>rm_events</c>: no second
/// broker. A notification is <c>&lt;replica&gt;|&lt;event name&gt;|&lt;JSON&gt;</c>; each replica listens on a connection of its
/// own (connected again after a loss) and hands what the others sent to its handlers. NOTIFY is delivered at commit,
/// to sessions listening then: an event sent while a replica reconnects is lost to it, so what depends on one (who is
/// connected where) is also read again from the tables.
/// </summary>
internal sealed partial class PostgresRelay(Database database, Replica replica, DomainEvents events, TimeProvider time, ILogger<PostgresRelay> logger)
    : BackgroundService, IEventRelay
{
    public const string Channel = "rm_events";

    // PostgreSQL refuses a payload of 8,000 bytes or more.
    private const int MaxPayload = 7900;

    // Heard on the listening connection, handled in order on a task of their own: a handler never holds up the listener.
    private readonly System.Threading.Channels.Channel<string> _heard = System.Threading.Channels.Channel.CreateUnbounded<string>(
        new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true });

    // What this replica has to say, sent in order by one loop, many notifications to a round trip.
    private readonly System.Threading.Channels.Channel<string> _said = System.Threading.Channels.Channel.CreateUnbounded<string>(
        new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true });

    private const int MaxBatch = 200;

    /// <summary>Queues the event for the other replicas; the sending loop sends it within moments, in order.</summary>
    public void Relay(string name, string json)
    {
        var payload = $"{replica.Id}|{name}|{json}";
        if (System.Text.Encoding.UTF8.GetByteCount(payload) > MaxPayload)
        {
            LogTooLarge(logger, name);
            return;
        }

        _said.Writer.TryWrite(payload);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var handling = Task.Run(() => HandleAsync(stoppingToken), CancellationToken.None);
        var sending = Task.Run(() => SendAsync(stoppingToken), CancellationToken.None);
        await ListenAsync(stoppingToken);
        _heard.Writer.TryComplete();
        _said.Writer.TryComplete();
        await handling;
        await sending;
    }

    /// <summary>
    /// Sends what was queued, up to <see cref="MaxBatch"/> notifications in one transaction (delivered together, in
    /// order, at its commit), without waiting for the log's flush: a notification is not kept anyway. Publishing an event
    /// so costs a request no database round trip. A batch that fails is logged and dropped, as a notification missed
    /// by a reconnecting listener would be; the periodic passes make up for both (decisions.md).
    /// </summary>
    private async Task SendAsync(CancellationToken stoppingToken)
    {
        var batch = new List<string>(MaxBatch);
        try
        {
            while (await _said.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < MaxBatch && _said.Reader.TryRead(out var payload))
                {
                    batch.Add(payload);
                }

                try
                {
                    await using var connection = (NpgsqlConnection)database.Open();
                    await using var transaction = await connection.BeginTransactionAsync(stoppingToken);
                    await using var command = new NpgsqlBatch(connection, transaction);
                    command.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit TO OFF"));
                    foreach (var payload in batch)
                    {
                        command.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_notify($1, $2)") { Parameters = { new() { Value = Channel }, new() { Value = payload } } });
                    }

                    await command.ExecuteNonQueryAsync(stoppingToken);
                    await transaction.CommitAsync(stoppingToken);
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException or System.IO.IOException or TimeoutException)
                {
                    LogSendFailed(logger, batch.Count, e.Message);
                }

                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task HandleAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var payload in _heard.Reader.ReadAllAsync(stoppingToken))
            {
                Received(payload);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = database.OpenSession();
                connection.Notification += (_, e) => _heard.Writer.TryWrite(e.Payload);
                await connection.ExecuteAsync(new CommandDefinition($"LISTEN {Channel}", cancellationToken: stoppingToken));
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or System.IO.IOException or TimeoutException)
            {
                LogListenLost(logger, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private void Received(string payload)
    {
        var first = payload.IndexOf('|', StringComparison.Ordinal);
        var second = first < 0 ? -1 : payload.IndexOf('|', first + 1);
        if (second < 0 || payload.AsSpan(0, first).SequenceEqual(replica.Id))
        {
            return;
        }

        try
        {
            events.Receive(payload[(first + 1)..second], payload[(second + 1)..]);
        }
        catch (System.Text.Json.JsonException e)
        {
            LogUnreadable(logger, payload[(first + 1)..second], e.Message);
        }
    }

    [LoggerMessage(175, LogLevel.Warning, "{Count} events could not be sent to the other replicas ({Reason}); they catch up at their next pass")]
    private static partial void LogSendFailed(ILogger logger, int count, string reason);

    [LoggerMessage(172, LogLevel.Warning, "Listening to the other replicas failed ({Reason}); listening again")]
    private static partial void LogListenLost(ILogger logger, string reason);

    [LoggerMessage(173, LogLevel.Error, "{Event} is too large to send to the other replicas; it was not sent")]
    private static partial void LogTooLarge(ILogger logger, string @event);

    [LoggerMessage(174, LogLevel.Warning, "An event {Event} from another replica could not be read ({Reason}); a newer server version may be running beside this one")]
    private static partial void LogUnreadable(ILogger logger, string @event, string reason);
}
