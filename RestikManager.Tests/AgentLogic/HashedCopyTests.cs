using System.Security.Cryptography;
using RestikManager.Agent.Connection;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.AgentLogic;

/// <summary>How the agent writes a download (its own update, the server's restic) while hashing it.</summary>
public sealed class HashedCopyTests : IDisposable
{
    private readonly TempDir _dir = new("rm-copy");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ADownloadWithinTheLimitIsWrittenWholeWithItsDigest()
    {
        var bytes = RandomNumberGenerator.GetBytes(200_000);

        var (sha, size) = await HashedCopy.ToFileAsync(new MemoryStream(bytes), _dir.Of("file"), bytes.Length, CancellationToken.None);

        size.ShouldBe(bytes.Length);
        sha.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(bytes)));
        (await File.ReadAllBytesAsync(_dir.Of("file"))).ShouldBe(bytes);
    }

    [Fact]
    public async Task ADownloadOverTheLimitStopsThereAndSaysSo()
    {
        var bytes = RandomNumberGenerator.GetBytes(300_000);

        var (_, size) = await HashedCopy.ToFileAsync(new MemoryStream(bytes), _dir.Of("file"), 100_000, CancellationToken.None);

        size.ShouldBeGreaterThan(100_000);
        new FileInfo(_dir.Of("file")).Length.ShouldBeLessThanOrEqualTo(100_000);
    }
}
