using Dapper;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Data;

namespace RestikManager.Server.Stats;

/// <summary>One reading of a repository's size.</summary>
internal sealed record StatsReading(string At, long TotalSize, long RawSize, double? CompressionRatio, int SnapshotCount);

/// <summary>The <c>repository_stats</c> table: a repository's readings, oldest first, at most <c>keep</c> of them.</summary>
internal sealed class StatsStore(Database database, TimeProvider time)
{
    private sealed class Row
    {
        public string TakenAt { get; set; } = "";
        public long TotalSize { get; set; }
        public long RawSize { get; set; }
        public double? CompressionRatio { get; set; }
        public long SnapshotCount { get; set; }
    }

    public void Add(string repositoryId, RepositoryStats stats, int keep)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        connection.Execute("""
            INSERT INTO repository_stats (repository_id, taken_at, total_size, raw_size, compression_ratio, snapshot_count)
            VALUES (@repositoryId, @at, @TotalSize, @RawSize, @CompressionRatio, @SnapshotCount)
            ON CONFLICT (repository_id, taken_at) DO UPDATE SET total_size = excluded.total_size, raw_size = excluded.raw_size,
                compression_ratio = excluded.compression_ratio, snapshot_count = excluded.snapshot_count
            """, new { repositoryId, at = time.GetUtcNow(), stats.TotalSize, stats.RawSize, stats.CompressionRatio, stats.SnapshotCount }, transaction);
        connection.Execute("""
            DELETE FROM repository_stats WHERE repository_id = @repositoryId AND taken_at NOT IN (
                SELECT taken_at FROM repository_stats WHERE repository_id = @repositoryId ORDER BY taken_at DESC LIMIT @keep)
            """, new { repositoryId, keep }, transaction);
        transaction.Commit();
    }

    /// <summary>The readings of <paramref name="repositoryId"/>, oldest first.</summary>
    public IReadOnlyList<StatsReading> History(string repositoryId)
    {
        using var connection = database.Open();
        return [.. connection.Query<Row>("""
            SELECT taken_at AS TakenAt, total_size AS TotalSize, raw_size AS RawSize, compression_ratio AS CompressionRatio,
                   snapshot_count AS SnapshotCount
            FROM repository_stats WHERE repository_id = @repositoryId ORDER BY taken_at
            """, new { repositoryId })
            .Select(r => new StatsReading(r.TakenAt, r.TotalSize, r.RawSize, r.CompressionRatio, (int)r.SnapshotCount))];
    }

    /// <summary>Each repository's newest reading (repositories never read are absent).</summary>
    public IReadOnlyDictionary<string, StatsReading> Newest()
    {
        using var connection = database.Open();
        return connection.Query<Row, string, (string Id, Row Row)>("""
            SELECT s.taken_at AS TakenAt, s.total_size AS TotalSize, s.raw_size AS RawSize, s.compression_ratio AS CompressionRatio,
                   s.snapshot_count AS SnapshotCount, s.repository_id AS RepositoryId
            FROM repository_stats s
            WHERE s.taken_at = (SELECT max(x.taken_at) FROM repository_stats x WHERE x.repository_id = s.repository_id)
            """, (row, id) => (id, row), splitOn: "RepositoryId")
            .ToDictionary(x => x.Id, x => new StatsReading(x.Row.TakenAt, x.Row.TotalSize, x.Row.RawSize, x.Row.CompressionRatio, (int)x.Row.SnapshotCount));
    }

    /// <summary>When <paramref name="repositoryId"/> was last read (null: never).</summary>
    public DateTimeOffset? LastTakenAt(string repositoryId)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<string?>("SELECT max(taken_at) FROM repository_stats WHERE repository_id = @repositoryId", new { repositoryId })
            is { } at ? DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture) : null;
    }
}
