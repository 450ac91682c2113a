using RestikManager.Server.Data;

namespace RestikManager.Server.Replicas;

/// <summary>
/// This server among its replicas: an id of its own for this run, and whether there can be others (PostgreSQL). On SQLite
/// a server is alone: it is always the leader and nothing is relayed.
/// </summary>
internal sealed class Replica(Database database)
{
    public string Id { get; } = Guid.NewGuid().ToString("N")[..16];

    /// <summary>True when other replicas may share this database.</summary>
    public bool Shared { get; } = database.Engine == DatabaseEngine.Postgres;

    /// <summary>How long a replica that stopped saying it is alive still counts as alive.</summary>
    public static readonly TimeSpan AliveFor = TimeSpan.FromSeconds(15);

    /// <summary>How often a replica says it is alive, and the leader checks that it still holds its lock.</summary>
    public static readonly TimeSpan Beat = TimeSpan.FromSeconds(2);
}
