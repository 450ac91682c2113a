using Dapper;
using Npgsql;
using RestikManager.Server.Data;

namespace RestikManager.Server.Replicas;

/// <summary>
/// Which replica does the work that must happen once (schedulers, the alert evaluator and outbox, rollouts, the sweep of
/// away hosts): the one that holds a PostgreSQL session advisory lock. The lock lives as long as its connection, so when
/// the leader dies its lock goes with it and another replica takes it at its next try (every <see cref="Replica.Beat"/>,
/// well within 30 s). The leader checks its connection before every beat and steps down when it is gone. On SQLite the
/// one server always leads. The same loop says that this replica is alive (<c>replicas.seen_at</c>), and the leader
/// forgets the agent sessions of replicas that are not.
/// </summary>
internal sealed partial class Leadership(Database database, Replica replica, TimeProvider time, ILogger<Leadership> logger) : BackgroundService
{
    // Any constant will do: every replica asks for the same one.
    private const long LeaderLock = 0x726d_6c65_6164;
    private volatile bool _leading = !replica.Shared;

    /// <summary>Whether this replica leads now; work that must happen once checks it at each round.</summary>
    public bool IsLeader => _leading;

    /// <summary>Fires when this replica becomes the leader.</summary>
    public event Action? Elected;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!replica.Shared)
        {
            return;
        }

        NpgsqlConnection? held = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    SayAlive();
                    held = await HoldOrTryAsync(held, stoppingToken);
                    if (_leading)
                    {
                        ForgetDeadReplicas();
                    }
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
                {
                    StepDown(ref held, e.Message);
                }

                await Task.Delay(Replica.Beat, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _leading = false;
            held?.Dispose();
        }
    }

    private async Task<NpgsqlConnection?> HoldOrTryAsync(NpgsqlConnection? held, CancellationToken stopping)
    {
        if (held is not null)
        {
            // Still ours while the session that took it is alive.
            // A check that cannot answer within 5 s means the session may be gone: step down rather than lead blind.
            await held.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", commandTimeout: 5, cancellationToken: stopping));
            return held;
        }

        var connection = database.OpenSession();
        if (await connection.ExecuteScalarAsync<bool>(new CommandDefinition($"SELECT pg_try_advisory_lock({LeaderLock})", cancellationToken: stopping)))
        {
            _leading = true;
            LogElected(logger, replica.Id);
            Elected?.Invoke();
            return connection;
        }

        await connection.DisposeAsync();
        return null;
    }

    private void StepDown(ref NpgsqlConnection? held, string reason)
    {
        if (_leading)
        {
            LogSteppedDown(logger, replica.Id, reason);
        }

        _leading = false;
        held?.Dispose();
        held = null;
    }

    private void SayAlive()
    {
        using var connection = database.Open();
        connection.Execute("""
            INSERT INTO replicas (id, started_at, seen_at) VALUES (@id, @now, @now)
            ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at
            """, new { id = replica.Id, now = time.GetUtcNow() });
    }

    private void ForgetDeadReplicas()
    {
        using var connection = database.Open();
        var dead = time.GetUtcNow() - Replica.AliveFor;
        connection.Execute("DELETE FROM agent_sessions WHERE replica_id NOT IN (SELECT id FROM replicas WHERE seen_at > @dead)", new { dead });
        connection.Execute("DELETE FROM replicas WHERE seen_at <= @gone", new { gone = time.GetUtcNow() - TimeSpan.FromHours(1) });
    }

    [LoggerMessage(170, LogLevel.Information, "Replica {ReplicaId} leads: schedules, alerts, outboxes and rollouts run here")]
    private static partial void LogElected(ILogger logger, string replicaId);

    [LoggerMessage(171, LogLevel.Warning, "Replica {ReplicaId} is no longer the leader ({Reason}); another replica takes over")]
    private static partial void LogSteppedDown(ILogger logger, string replicaId, string reason);
}
