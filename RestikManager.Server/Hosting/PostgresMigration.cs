using System.Data.Common;
using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using RestikManager.Server.Configuration;
using RestikManager.Server.Data;

namespace RestikManager.Server.Hosting;

/// <summary>
/// <c>migrate-to-postgres</c>: moves a SQLite installation (its data directory) into an empty PostgreSQL database, in one
/// transaction: every table, the secrets blob (still sealed with the same key) and the audit trail, whose chain is
/// checked before and after. Agents keep their credentials, so none enrolls again. The key itself is not moved: every
/// replica is given it (<c>RM_SECRET_KEY_FILE</c>). Run it with the server stopped.
/// </summary>
internal static class PostgresMigration
{
    // Parents before children; the order a fresh schema accepts rows in.
    private static readonly string[] Tables =
    [
        "users", "recovery_codes", "passkeys", "api_tokens", "setup_tokens", "enrollment_tokens", "agents", "repositories", "plans", "jobs", "snapshots",
        "snapshot_refreshes", "notification_channels", "alert_rules", "incidents", "deliveries", "repository_stats",
    ];

    // Identity columns whose sequences continue after the copied ids.
    private static readonly string[] Identities = ["users", "passkeys", "api_tokens", "enrollment_tokens"];

    /// <summary>What was moved: rows per table, secrets, audit entries.</summary>
    public sealed record Moved(IReadOnlyDictionary<string, long> Rows, int Secrets, long AuditEntries);

    public static Moved Run(string dataDir, string connectionString, TextWriter progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var sqlitePath = Path.Join(dataDir, Database.FileName);
        if (!File.Exists(sqlitePath))
        {
            throw new StartupRefusedException($"--from: no {Database.FileName} in {dataDir}");
        }

        // Brings the source up to this version's schema (as a start of this server would) and checks its key and trail.
        var (_, source) = DataDirectory.Prepare(dataDir);
        var auditFile = Path.Join(dataDir, "audit", "audit.jsonl");
        IReadOnlyList<Audit.AuditEntry> entries = [];
        if (File.Exists(auditFile) && Audit.AuditLog.Verify(auditFile, out entries) is { } broken)
        {
            throw new StartupRefusedException($"{auditFile} is broken at entry {broken}; nothing was moved (a migration keeps the trail whole)");
        }

        using var target = Database.Postgres(connectionString);
        Migrator.Migrate(target);
        using var from = (SqliteConnection)source.Open();
        using var to = target.Open();
        using var transaction = to.BeginTransaction();
        if (to.ExecuteScalar<long>("SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM agents) + (SELECT count(*) FROM audit_entries)", transaction: transaction) > 0)
        {
            throw new StartupRefusedException($"{target.Path} already holds an installation; migrate into an empty database");
        }

        to.Execute("UPDATE instance SET instance_id = @InstanceId, created_at = @CreatedAt, require_second_factor = @RequireSecondFactor",
            from.QuerySingle<InstanceRow>("SELECT instance_id AS InstanceId, created_at AS CreatedAt, require_second_factor AS RequireSecondFactor FROM instance"), transaction);
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in Tables)
        {
            rows[table] = CopyTable(from, to, transaction, table);
            progress.WriteLine($"{table}: {rows[table].ToString(CultureInfo.InvariantCulture)}");
        }

        to.Execute("UPDATE agent_update_policy SET mode = p.mode, canary_percent = p.canary_percent, canary_label = p.canary_label, paused_reason = p.paused_reason, updated_at = p.updated_at " +
                   "FROM (SELECT @Mode AS mode, @CanaryPercent AS canary_percent, @CanaryLabel AS canary_label, @PausedReason AS paused_reason, @UpdatedAt AS updated_at) AS p",
            from.QuerySingle<PolicyRow>(
                "SELECT mode AS Mode, canary_percent AS CanaryPercent, canary_label AS CanaryLabel, paused_reason AS PausedReason, updated_at AS UpdatedAt FROM agent_update_policy"),
            transaction);
        foreach (var table in Identities)
        {
            to.Execute($"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce((SELECT max(id) FROM {table}), 0) + 1, false)", transaction: transaction);
        }

        var secretsFile = Path.Join(dataDir, SecretKey.SecretsFileName);
        var secrets = 0;
        if (File.Exists(secretsFile))
        {
            // The blob moves as it is: sealed with the key the replicas will be given.
            to.Execute("INSERT INTO secrets (id, blob) VALUES (1, @blob)", new { blob = File.ReadAllBytes(secretsFile) }, transaction);
            secrets = 1;
        }

        foreach (var line in File.Exists(auditFile) ? File.ReadLines(auditFile) : [])
        {
            var entry = System.Text.Json.JsonSerializer.Deserialize(line, Audit.AuditJsonContext.Default.AuditEntry)!;
            to.Execute("INSERT INTO audit_entries (seq, entry) VALUES (@Seq, @line)", new { entry.Seq, line }, transaction);
        }

        transaction.Commit();
        progress.WriteLine($"secrets: {secrets.ToString(CultureInfo.InvariantCulture)}");
        progress.WriteLine($"audit entries: {entries.Count.ToString(CultureInfo.InvariantCulture)}");
        return new Moved(rows, secrets, entries.Count);
    }

    private sealed record InstanceRow(string InstanceId, string CreatedAt, long RequireSecondFactor);

    private sealed record PolicyRow(string Mode, long CanaryPercent, string? CanaryLabel, string? PausedReason, string UpdatedAt);

    private static long CopyTable(SqliteConnection from, DbConnection to, DbTransaction transaction, string table)
    {
        var targetColumns = to.Query<string>("SELECT column_name FROM information_schema.columns WHERE table_name = @table AND is_generated = 'NEVER' AND identity_generation IS DISTINCT FROM 'ALWAYS'",
            new { table }, transaction).ToHashSet(StringComparer.Ordinal);
        var columns = from.Query<string>($"SELECT name FROM pragma_table_info('{table}')").Where(targetColumns.Contains).ToList();
        var insert = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select(c => "@" + c))})";
        long count = 0;
        using var read = from.CreateCommand();
        // In the order SQLite kept them: the outbox's order is its rowid.
        read.CommandText = $"SELECT {string.Join(", ", columns)} FROM {table} ORDER BY rowid";
        using var reader = read.ExecuteReader();
        using var write = (NpgsqlCommand)to.CreateCommand();
        write.Transaction = (NpgsqlTransaction)transaction;
        write.CommandText = insert;
        while (reader.Read())
        {
            write.Parameters.Clear();
            for (var i = 0; i < columns.Count; i++)
            {
                write.Parameters.AddWithValue(columns[i], reader.IsDBNull(i) ? DBNull.Value : reader.GetValue(i));
            }

            write.ExecuteNonQuery();
            count++;
        }

        return count;
    }
}
