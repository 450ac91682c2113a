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
/// by SHA-256, so an edited or removed line breaks the chain (<see cref="Verify"/>). Never holds secrets.
/// </summary>
internal sealed class AuditLog
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

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
        lock (_gate)
        {
            using var stream = OpenExclusive();
            var last = LastEntry(stream);
            var (seq, prev) = last is null ? (1L, Genesis) : (last.Seq + 1, last.Hash);
            var time = _time.GetUtcNow();
            var entry = new AuditEntry(seq, time, actor, action, target, outcome, detail, prev,
                HashOf(seq, time, actor, action, target, outcome, detail, prev));
            stream.Seek(0, SeekOrigin.End);
            stream.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, AuditJsonContext.Default.AuditEntry) + "\n"));
            stream.Flush(flushToDisk: true);
            return entry;
        }
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
    public static long? Verify(string path, out IReadOnlyList<AuditEntry> entries)
    {
        var list = new List<AuditEntry>();
        entries = list;
        var prev = Genesis;
        long expected = 1;
        foreach (var line in File.ReadLines(path))
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
