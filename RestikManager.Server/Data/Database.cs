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

    private Database(NpgsqlDataSource postgres, string display)
    {
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
        return new Database(builder.Build(), display);
    }

    public DatabaseEngine Engine { get; }

    /// <summary>The SQLite file, or the PostgreSQL server and database (never its password) for messages.</summary>
    public string Path { get; }

    /// <summary>The fragments in which the engines' SQL differs.</summary>
    public SqlDialect Sql { get; }

    /// <summary>PostgreSQL's data source (pooled connections, notifications); null on SQLite.</summary>
    public NpgsqlDataSource? PostgresSource => _postgres;

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
}
