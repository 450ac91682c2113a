using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;
using RestikManager.Server.Configuration;

namespace RestikManager.Server.Data;

/// <summary>
/// Applies the numbered scripts in <c>Data/Migrations</c> (embedded as <c>Migrations/NNNN_name.sql</c>) to SQLite, each in
/// its own transaction, tracking the schema version in <c>PRAGMA user_version</c>; and those in <c>Data/Migrations/postgres</c>
/// to PostgreSQL, tracked in <c>schema_version</c>. PostgreSQL starts at version 14 (one script for SQLite's 1 to 14);
/// every later version has a script for each engine. The numbers are one sequence, so a server refuses a database of
/// either engine that a newer server wrote.
/// </summary>
internal static class Migrator
{
    /// <summary>The SQLite migrations this binary carries, in order.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> Migrations { get; } = LoadMigrations("Migrations/");

    /// <summary>The PostgreSQL migrations this binary carries, in order.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> PostgresMigrations { get; } = LoadMigrations("Migrations/postgres/");

    // Held while a replica migrates, so replicas that start together apply each script once (any constant will do).
    private const long MigrationLock = 0x726d_6d69_6772;

    public static int LatestVersion => Migrations.Count == 0 ? 0 : Migrations[^1].Version;

    /// <summary>
    /// Refuses a database written by a newer server without writing anything: the version is read from
    /// the file header, because even a read-only SQLite open of a WAL database leaves -wal/-shm files.
    /// </summary>
    public static void RefuseNewer(Database database)
    {
        if (database.Engine == DatabaseEngine.Sqlite && File.Exists(database.Path))
        {
            RefuseNewer(database.Path, HeaderUserVersion(database.Path));
        }
    }

    /// <summary>Brings the database up to <see cref="LatestVersion"/>; returns the migrations applied.</summary>
    public static IReadOnlyList<string> Migrate(Database database)
    {
        if (database.Engine == DatabaseEngine.Postgres)
        {
            return MigratePostgres(database);
        }

        RefuseNewer(database);
        using var connection = new SqliteConnection(database.ConnectionString(SqliteOpenMode.ReadWriteCreate, pooling: false));
        connection.Open();
        // The header can lag a WAL that was never checkpointed; SQLite's own view is the final word.
        RefuseNewer(database.Path, UserVersion(connection));
        Execute(connection, null, "PRAGMA journal_mode = WAL;");
        var applied = new List<string>();
        foreach (var (version, name, sql) in Migrations.Where(m => m.Version > UserVersion(connection)))
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, transaction, sql);
            Execute(connection, transaction, $"PRAGMA user_version = {version.ToString(CultureInfo.InvariantCulture)};");
            transaction.Commit();
            applied.Add(name);
        }

        return applied;
    }

    private static List<string> MigratePostgres(Database database)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLock.ToString(CultureInfo.InvariantCulture)})");
        Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)");
        using (var read = connection.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = "SELECT coalesce(max(version), 0) FROM schema_version";
            var current = Convert.ToInt32(read.ExecuteScalar(), CultureInfo.InvariantCulture);
            RefuseNewer(database.Path, current);
            var applied = new List<string>();
            foreach (var (version, name, sql) in PostgresMigrations.Where(m => m.Version > current))
            {
                Execute(connection, transaction, sql);
                applied.Add(name);
                current = version;
            }

            Execute(connection, transaction, $"DELETE FROM schema_version; INSERT INTO schema_version VALUES ({current.ToString(CultureInfo.InvariantCulture)})");
            transaction.Commit();
            return applied;
        }
    }

    private static void RefuseNewer(string path, int version)
    {
        if (version > LatestVersion)
        {
            throw new StartupRefusedException(
                $"{path} has schema version {version}, newer than this server knows ({LatestVersion}): " +
                "it was written by a newer restic-manager; run that version, or restore a backup of the data directory");
        }
    }

    /// <summary>user_version from the database header (big-endian at offset 60); 0 for an empty file.</summary>
    private static int HeaderUserVersion(string path)
    {
        Span<byte> header = stackalloc byte[100];
        using var stream = File.OpenRead(path);
        var read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read == 0)
        {
            return 0;
        }

        if (read < header.Length || !header[..16].SequenceEqual("SQLite format 3\0"u8))
        {
            throw new StartupRefusedException($"{path} is not a SQLite database; move it aside or restore it from a backup");
        }

        return System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header[60..]);
    }

    private static int UserVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Execute(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<(int, string, string)> LoadMigrations(string folder)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var list = new List<(int, string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames()
                     .Where(n => n.StartsWith(folder, StringComparison.Ordinal) && !n[folder.Length..].Contains('/', StringComparison.Ordinal)))
        {
            var name = resource[folder.Length..];
            var version = int.Parse(name.AsSpan(0, name.IndexOf('_', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            list.Add((version, name, reader.ReadToEnd()));
        }

        list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return list;
    }
}
