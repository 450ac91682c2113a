using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace RestikManager.Server.Distribution;

/// <summary>SHA-256 of served files, computed once per (path, size, modification time).</summary>
internal sealed class FileDigests
{
    private readonly ConcurrentDictionary<string, (long Length, DateTime Modified, string Sha256)> _cache = new(StringComparer.Ordinal);

    public async Task<string> Sha256Async(FileInfo file, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(file.FullName, out var hit) && hit.Length == file.Length && hit.Modified == file.LastWriteTimeUtc)
        {
            return hit.Sha256;
        }

        await using var stream = file.OpenRead();
        var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
        _cache[file.FullName] = (file.Length, file.LastWriteTimeUtc, sha);
        return sha;
    }

    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
