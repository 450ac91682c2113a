using System.Text.Json;
using System.Text.Json.Serialization;

namespace RestikManager.Agent.Restic;

/// <summary>
/// One JSON line of restic's output. restic omits zero values, so every number is optional; which fields mean
/// something depends on <c>message_type</c> (or, for <c>ls</c> in 0.14–0.16, <c>struct_type</c>).
/// </summary>
internal sealed record ResticLine
{
    public string? MessageType { get; init; }
    public string? StructType { get; init; }
    public string? Action { get; init; }

    // backup status
    public double? PercentDone { get; init; }
    public ulong? TotalFiles { get; init; }
    public ulong? FilesDone { get; init; }
    public ulong? TotalBytes { get; init; }
    public ulong? BytesDone { get; init; }
    public ulong? SecondsElapsed { get; init; }
    public ulong? SecondsRemaining { get; init; }
    public ulong? ErrorCount { get; init; }
    public IReadOnlyList<string>? CurrentFiles { get; init; }

    // restore status (0.16+)
    public ulong? FilesRestored { get; init; }
    public ulong? BytesRestored { get; init; }

    // backup summary
    public ulong? FilesNew { get; init; }
    public ulong? FilesChanged { get; init; }
    public ulong? FilesUnmodified { get; init; }
    public ulong? DirsNew { get; init; }
    public ulong? DirsChanged { get; init; }
    public ulong? DirsUnmodified { get; init; }
    public ulong? DataAdded { get; init; }
    public ulong? TotalFilesProcessed { get; init; }
    public ulong? TotalBytesProcessed { get; init; }
    public double? TotalDuration { get; init; }
    public string? SnapshotId { get; init; }

    // backup error (in 0.14 "error" is always {}: kept raw)
    public JsonElement? Error { get; init; }
    public string? During { get; init; }
    public string? Item { get; init; }

    // ls node (and snapshot header)
    public string? Name { get; init; }
    public string? Type { get; init; }
    public string? Path { get; init; }
    public ulong? Size { get; init; }
    public DateTimeOffset? Mtime { get; init; }
    public string? Permissions { get; init; }

    // stats (one document)
    public ulong? TotalSize { get; init; }
    public ulong? TotalUncompressedSize { get; init; }
    public double? CompressionRatio { get; init; }
    public ulong? SnapshotsCount { get; init; }

    // 0.18+ exit_error
    public string? Message { get; init; }
    public int? Code { get; init; }

    /// <summary>What this line is: <c>message_type</c> when present, else <c>struct_type</c>.</summary>
    public string? Kind => MessageType ?? StructType;

    /// <summary>Parses a line if it is JSON (starts with <c>{</c> and parses); anything else is text.</summary>
    public static ResticLine? TryParse(string line)
    {
        if (!line.StartsWith('{'))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(line, ResticJsonContext.Default.ResticLine);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A snapshot in <c>snapshots --json</c>.</summary>
internal sealed record ResticSnapshot(
    string Id, string? ShortId, DateTimeOffset Time, string? Hostname, IReadOnlyList<string>? Paths,
    IReadOnlyList<string>? Tags, string? Parent);

/// <summary>One group in <c>forget --json</c>.</summary>
internal sealed record ResticForgetGroup(IReadOnlyList<ResticSnapshot>? Keep, IReadOnlyList<ResticSnapshot>? Remove);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(ResticLine))]
[JsonSerializable(typeof(List<ResticSnapshot>))]
[JsonSerializable(typeof(List<ResticForgetGroup>))]
internal sealed partial class ResticJsonContext : JsonSerializerContext;
