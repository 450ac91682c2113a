using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RestikManager.Server.Audit;

/// <summary>One audited action. <see cref="Hash"/> covers every other field and the previous entry's hash.</summary>
internal sealed record AuditEntry(
    long Seq, DateTimeOffset Time, string Actor, string Action, string? Target, string Outcome, string? Detail, string Prev, string Hash);

/// <summary>
/// <c>audit/audit.jsonl</c> in the data directory: append-only JSON lines, each chained to the one before
/// by SHA-256, so an edited or removed line breaks the chain (<see cref="Verify(string, out IReadOnlyList{AuditEntry})"/>).
/// Never holds secrets. On PostgreSQL the same lines are rows of <c>audit_entries</c>, appended under an advisory lock
/// so that replicas writing at once still form one chain.
/// </summary>
internal sealed class AuditLog
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    // Held by the transaction that appends, on every replica (any constant will do).
    private const long AppendLock = 0x726d_6175_6469;
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Data.Database? _shared;

    /// <summary>The audit trail where <paramref name="database"/> keeps state: the file beside SQLite, the table in PostgreSQL.</summary>
    public static AuditLog For(string dataDir, Data.Database database, TimeProvider time) =>
        database.Engine == Data.DatabaseEngine.Postgres ? new AuditLog(dataDir, time, database) : new AuditLog(dataDir, time);

    private AuditLog(string dataDir, TimeProvider time, Data.Database shared)
    {
        _path = System.IO.Path.Join(dataDir, "audit", "audit.jsonl");
        _time = time;
        _shared = shared;
    }

    /// <summary>The log file (<c>audit/audit.jsonl</c>).</summary>
    public string FilePath => _path;

    public AuditLog(string dataDir, TimeProvider time)
    {
        var dir = System.IO.Path.Join(dataDir, "audit");
        Directory.CreateDirectory(dir);
        _path = System.IO.Path.Join(dir, "audit.jsonl");
        _time = time;
    }

    /// <summary>
    /// Appends an entry; <paramref name="outcome"/> is <c>ok</c>, <c>denied</c> or <c>failed</c>. The file is
    /// held exclusively while its last entry is read and the new one written, so the server and a host-side
    /// <c>admin</c> command appending at the same time still form one chain.
    /// </summary>
    public AuditEntry Append(string actor, string action, string? target, string outcome = "ok", string? detail = null)
    {
        if (_shared is not null)
        {
            return AppendShared(actor, action, target, outcome, detail);
        }

        lock (_gate)
        {
            using var stream = OpenExclusive();
            var entry = Next(LastEntry(stream), actor, action, target, outcome, detail);
            stream.Seek(0, SeekOrigin.End);
            stream.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, AuditJsonContext.Default.AuditEntry) + "\n"));
            stream.Flush(flushToDisk: true);
            return entry;
        }
    }

    /// <summary>Reads every entry and checks the chain, wherever it is kept; returns the first broken sequence number, or null.</summary>
    public long? Verify(out IReadOnlyList<AuditEntry> entries)
    {
        if (_shared is null)
        {
            entries = [];
            return File.Exists(_path) ? Verify(_path, out entries) : null;
        }

        using var connection = _shared.Open();
        return Verify(Dapper.SqlMapper.Query<string>(connection, "SELECT entry FROM audit_entries ORDER BY seq"), out entries);
    }

    private AuditEntry AppendShared(string actor, string action, string? target, string outcome, string? detail)
    {
        using var connection = _shared!.Open();
        using var transaction = connection.BeginTransaction();
        Dapper.SqlMapper.Execute(connection, $"SELECT pg_advisory_xact_lock({AppendLock})", transaction: transaction);
        var lastLine = Dapper.SqlMapper.QuerySingleOrDefault<string?>(connection, "SELECT entry FROM audit_entries ORDER BY seq DESC LIMIT 1", transaction: transaction);
        var last = lastLine is null ? null : JsonSerializer.Deserialize(lastLine, AuditJsonContext.Default.AuditEntry);
        var entry = Next(last, actor, action, target, outcome, detail);
        Dapper.SqlMapper.Execute(connection, "INSERT INTO audit_entries (seq, entry) VALUES (@Seq, @line)",
            new { entry.Seq, line = JsonSerializer.Serialize(entry, AuditJsonContext.Default.AuditEntry) }, transaction);
        transaction.Commit();
        return entry;
    }

    private AuditEntry Next(AuditEntry? last, string actor, string action, string? target, string outcome, string? detail)
    {
        var (seq, prev) = last is null ? (1L, Genesis) : (last.Seq + 1, last.Hash);
        var time = _time.GetUtcNow();
        return new AuditEntry(seq, time, actor, action, target, outcome, detail, prev, HashOf(seq, time, actor, action, target, outcome, detail, prev));
    }

    private FileStream OpenExclusive()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 200)
            {
                Thread.Sleep(10);
            }
        }
    }

    /// <summary>Reads every entry and checks the chain; returns the first broken sequence number, or null.</summary>
    public static long? Verify(string path, out IReadOnlyList<AuditEntry> entries) => Verify(File.ReadLines(path), out entries);

    private static long? Verify(IEnumerable<string> lines, out IReadOnlyList<AuditEntry> entries)
    {
        var list = new List<AuditEntry>();
        entries = list;
        var prev = Genesis;
        long expected = 1;
        foreach (var line in lines)
        {
            var entry = JsonSerializer.Deserialize(line, AuditJsonContext.Default.AuditEntry);
            if (entry is null || entry.Seq != expected || entry.Prev != prev
                || entry.Hash != HashOf(entry.Seq, entry.Time, entry.Actor, entry.Action, entry.Target, entry.Outcome, entry.Detail, entry.Prev))
            {
                return expected;
            }

            list.Add(entry);
            prev = entry.Hash;
            expected++;
        }

        return null;
    }

    private static string HashOf(long seq, DateTimeOffset time, string actor, string action, string? target, string outcome, string? detail, string prev)
    {
        var canonical = JsonSerializer.Serialize([seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
            time.ToString("O", System.Globalization.CultureInfo.InvariantCulture), actor, action, target, outcome, detail, prev],
            AuditJsonContext.Default.StringArray);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    private static AuditEntry? LastEntry(FileStream stream)
    {
        var take = (int)Math.Min(stream.Length, 64 * 1024);
        if (take == 0)
        {
            return null;
        }

        stream.Seek(-take, SeekOrigin.End);
        var buffer = new byte[take];
        stream.ReadExactly(buffer);
        var text = Encoding.UTF8.GetString(buffer).TrimEnd('\n');
        return text.Length == 0 ? null : JsonSerializer.Deserialize(text[(text.LastIndexOf('\n') + 1)..], AuditJsonContext.Default.AuditEntry);
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(string?[]))]
internal sealed partial class AuditJsonContext : JsonSerializerContext;
