using Dapper;
using Microsoft.Data.Sqlite;

namespace RestikManager.Server.Data;

/// <summary>The server's SQLite database (<c>restic-manager.db</c>, WAL) in the data directory.</summary>
internal sealed class Database(string path)
{
    public const string FileName = "restic-manager.db";

    // Process-wide and before any connection: times are written and read one way (UtcTextHandler).
    static Database() => SqlMapper.AddTypeHandler(new UtcTextHandler());

    public string Path { get; } = path;

    /// <summary>An open connection with the server's pragmas applied.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString(SqliteOpenMode.ReadWrite));
        connection.Open();
        using var pragmas = connection.CreateCommand();
        pragmas.CommandText = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;";
        pragmas.ExecuteNonQuery();
        return connection;
    }

    internal string ConnectionString(SqliteOpenMode mode, bool pooling = true) => new SqliteConnectionStringBuilder
    {
        DataSource = Path,
        Mode = mode,
        Pooling = pooling,
    }.ToString();
}
