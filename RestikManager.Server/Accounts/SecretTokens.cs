using System.Security.Cryptography;
using System.Text;

namespace RestikManager.Server.Accounts;

/// <summary>Random bearer secrets (API tokens, enrollment tokens, agent credentials) and their stored hashes.</summary>
internal static class SecretTokens
{
    /// <summary><paramref name="prefix"/> followed by 32 random bytes, base64url.</summary>
    public static string New(string prefix) => prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>SHA-256 of a high-entropy token (no stretching needed), lowercase hex.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Constant-time comparison of a presented token with a stored hash.</summary>
    public static bool Matches(string token, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(token)), Encoding.ASCII.GetBytes(storedHash));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
