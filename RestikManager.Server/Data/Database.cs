using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace RestikManager.Server.Data;

/// <summary>Which database holds the operator's state.</summary>
internal enum DatabaseEngine
{
    /// <summary><c>restic-manager.db</c> (WAL) in the data directory: one server, the default.</summary>
    Sqlite,

    /// <summary><c>RM_DATABASE_URL</c>: shared by every replica of the server.</summary>
    Postgres,
}

/// <summary>
/// The server's database: SQLite in the data directory, or PostgreSQL when <c>RM_DATABASE_URL</c> names one. Stores
/// write their SQL once; where the two engines differ, <see cref="Sql"/> gives the fragment.
/// </summary>
internal sealed class Database : IDisposable
{
    public const string FileName = "restic-manager.db";

    private readonly NpgsqlDataSource? _postgres;

    // Process-wide and before any connection: times are written and read one way (UtcTextHandler).
    static Database() => UtcTextHandler.Register();

    /// <summary>SQLite at <paramref name="path"/>.</summary>
    public Database(string path)
    {
        Engine = DatabaseEngine.Sqlite;
        Path = path;
        Sql = SqlDialect.Sqlite;
    }

    private readonly string? _unpooled;

    private Database(NpgsqlDataSource postgres, string display, string unpooled)
    {
        _unpooled = unpooled;
        Engine = DatabaseEngine.Postgres;
        _postgres = postgres;
        Path = display;
        Sql = SqlDialect.Postgres;
    }

    /// <summary>PostgreSQL at <paramref name="connectionString"/> (an Npgsql connection string, see <see cref="DatabaseUrl"/>).</summary>
    public static Database Postgres(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= "restic-manager";
        var display = $"postgres://{builder.ConnectionStringBuilder.Host}:{builder.ConnectionStringBuilder.Port}/{builder.ConnectionStringBuilder.Database}";
        var unpooled = new NpgsqlConnectionStringBuilder(builder.ConnectionStringBuilder.ConnectionString) { Pooling = false }.ConnectionString;
        return new Database(builder.Build(), display, unpooled);
    }

    public DatabaseEngine Engine { get; }

    /// <summary>The SQLite file, or the PostgreSQL server and database (never its password) for messages.</summary>
    public string Path { get; }

    /// <summary>The fragments in which the engines' SQL differs.</summary>
    public SqlDialect Sql { get; }

    /// <summary>PostgreSQL's data source (pooled connections, notifications); null on SQLite.</summary>
    public NpgsqlDataSource? PostgresSource => _postgres;

    /// <summary>
    /// A PostgreSQL connection of its own, outside the pool: what it holds for its session (the leader's lock, a LISTEN)
    /// ends when it is closed, and never stays behind in a pooled connection.
    /// </summary>
    /// <remarks>
    /// A session must end soon after its holder is gone, or a replica whose machine vanished would keep the leader's
    /// lock until the operating system gave up on the socket (hours): the server is asked to probe the connection after
    /// 5 idle seconds (every 2 s, 3 times), and this side sends a keepalive query every 5 s of silence, so that a dead
    /// database is noticed by a waiting LISTEN too.
    /// </remarks>
    public NpgsqlConnection OpenSession()
    {
        var builder = new NpgsqlConnectionStringBuilder(_unpooled ?? throw new InvalidOperationException("only PostgreSQL has sessions to hold"))
        {
            KeepAlive = 5,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3";
        command.ExecuteNonQuery();
        return connection;
    }

    /// <summary>An open connection (SQLite with the server's pragmas applied).</summary>
    public DbConnection Open()
    {
        if (_postgres is not null)
        {
            return _postgres.OpenConnection();
        }

        var connection = new SqliteConnection(ConnectionString(SqliteOpenMode.ReadWrite));
        connection.Open();
        using var pragmas = connection.CreateCommand();
        pragmas.CommandText = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;";
        pragmas.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// Holds a lock named <paramref name="name"/> across replicas until disposed (a PostgreSQL session advisory lock on a
    /// connection of its own); on SQLite, where the server is alone, nothing (its callers lock in process too).
    /// </summary>
    public IDisposable? Lock(string name)
    {
        if (_postgres is null)
        {
            return null;
        }

        var connection = _postgres.OpenConnection();
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT pg_advisory_lock(hashtext(@name))";
            command.Parameters.AddWithValue("name", name);
            command.ExecuteNonQuery();
            return new HeldLock(connection, name);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes state that is rebuilt when lost (which replica holds an agent's socket): on PostgreSQL without waiting for
    /// the write-ahead log's flush (<c>synchronous_commit</c> off for this transaction only; a crash of the database may
    /// lose the last such writes, never corrupt anything), so that 10,000 reconnecting agents do not queue on fsync.
    /// </summary>
    public int ExecuteEphemeral(string sql, object parameters)
    {
        using var connection = Open();
        if (_postgres is null)
        {
            return Dapper.SqlMapper.Execute(connection, sql, parameters);
        }

        using var transaction = connection.BeginTransaction();
        Dapper.SqlMapper.Execute(connection, "SET LOCAL synchronous_commit TO OFF", transaction: transaction);
        var rows = Dapper.SqlMapper.Execute(connection, sql, parameters, transaction);
        transaction.Commit();
        return rows;
    }

    /// <summary>
    /// A transaction that writes: SQLite takes its write lock at once (<c>BEGIN IMMEDIATE</c>) so a read-then-write never
    /// meets a busy upgrade; PostgreSQL reads committed rows and the statement locks what it reads with <see cref="SqlDialect.ForUpdate"/>.
    /// </summary>
    public static DbTransaction BeginWrite(DbConnection connection) =>
        connection is SqliteConnection sqlite ? sqlite.BeginTransaction(deferred: false) : connection.BeginTransaction();

    internal string ConnectionString(SqliteOpenMode mode, bool pooling = true) => new SqliteConnectionStringBuilder
    {
        DataSource = Path,
        Mode = mode,
        Pooling = pooling,
    }.ToString();

    public void Dispose() => _postgres?.Dispose();

    // Unlocked before its connection goes back to the pool: a session lock would otherwise outlive the caller.
    private sealed class HeldLock(NpgsqlConnection connection, string name) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT pg_advisory_unlock(hashtext(@name))";
                command.Parameters.AddWithValue("name", name);
                command.ExecuteNonQuery();
            }
            catch (NpgsqlException)
            {
                // A broken connection: its session, and so the lock, has ended with it.
            }
            finally
            {
                connection.Dispose();
            }
        }
    }
}
