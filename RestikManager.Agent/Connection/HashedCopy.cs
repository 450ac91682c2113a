using System.Security.Cryptography;

namespace RestikManager.Agent.Connection;

/// <summary>A download written to a file while its SHA-256 is computed, stopped as soon as it passes a size limit.</summary>
internal static class HashedCopy
{
    /// <summary>
    /// Copies <paramref name="body"/> into <paramref name="path"/> (created or truncated, flushed to disk) and returns the
    /// SHA-256 (lowercase hex) of what was written and how many bytes came; a size over <paramref name="maxBytes"/> means
    /// the copy stopped there (the file is then incomplete and the digest of no use).
    /// </summary>
    public static async Task<(string Sha256, long Size)> ToFileAsync(Stream body, string path, long maxBytes, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var buffer = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                size += read;
                if (size > maxBytes)
                {
                    break;
                }

                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }

            await file.FlushAsync(cancellationToken);
            file.Flush(flushToDisk: true);
        }

        return (Convert.ToHexStringLower(hash.GetHashAndReset()), size);
    }
}
