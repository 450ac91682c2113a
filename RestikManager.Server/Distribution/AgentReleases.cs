using RestikManager.Contracts.Protocol;

namespace RestikManager.Server.Distribution;

/// <summary>The agent this server hands a platform: its version (null when not stated), SHA-256 and size.</summary>
internal sealed record AgentRelease(string Os, string Arch, string? Version, string Sha256, long Size);

/// <summary>
/// Which agent version the server serves for each platform. <c>deploy/publish.sh</c> writes the version beside each
/// binary (<c>agent-binaries/&lt;name&gt;.version</c>, listed in SHA256SUMS); an operator's override in the data directory
/// brings its own <c>.version</c> file, and without one its version is unknown: no host is called outdated against it
/// and none is updated to it automatically. Versions are read at most every few seconds, not per host.
/// </summary>
internal sealed class AgentReleases(DistributionAssets assets, FileDigests digests, TimeProvider time)
{
    public const string VersionSuffix = ".version";
    private static readonly TimeSpan ReadEvery = TimeSpan.FromSeconds(5);
    private readonly Lock _gate = new();
    private Dictionary<(string, string), string?> _versions = [];
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    /// <summary>The version served for <paramref name="os"/>/<paramref name="arch"/>, or null (none published, or not stated).</summary>
    public string? Version(string? os, string? arch)
    {
        if (os is null || arch is null)
        {
            return null;
        }

        lock (_gate)
        {
            if (time.GetUtcNow() - _readAt > ReadEvery)
            {
                _versions = DistributionAssets.AgentBinaries.ToDictionary(p => p.Key, p => ReadVersion(p.Value));
                _readAt = time.GetUtcNow();
            }

            return _versions.GetValueOrDefault((os, arch));
        }
    }

    /// <summary>Whether an agent of <paramref name="version"/> on that platform differs from the one served for it.</summary>
    public bool IsOutdated(string? os, string? arch, string? version) =>
        version is not null && Version(os, arch) is { } served && served != version;

    /// <summary>The served agent with its digest, or null when none is published for the platform.</summary>
    public async Task<AgentRelease?> FindAsync(string os, string arch, CancellationToken cancellationToken)
    {
        if (!DistributionAssets.AgentBinaries.TryGetValue((os, arch), out var name) || assets.Find(DistributionAssets.BinariesFolder, name) is not { } file)
        {
            return null;
        }

        return new AgentRelease(os, arch, ReadVersion(name), await digests.Sha256Async(file, cancellationToken), file.Length);
    }

    public async Task<IReadOnlyList<AgentRelease>> AllAsync(CancellationToken cancellationToken)
    {
        List<AgentRelease> found = [];
        foreach (var (os, arch) in DistributionAssets.AgentBinaries.Keys)
        {
            if (await FindAsync(os, arch, cancellationToken) is { } release)
            {
                found.Add(release);
            }
        }

        return found;
    }

    // The version file that belongs to the binary served: beside it, in the same root (an override's own, or none).
    private string? ReadVersion(string name)
    {
        if (assets.Find(DistributionAssets.BinariesFolder, name) is not { } binary)
        {
            return null;
        }

        try
        {
            var text = File.ReadAllText(binary.FullName + VersionSuffix).Trim();
            return WireValues.IsPlainText(text, 64) ? text : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
