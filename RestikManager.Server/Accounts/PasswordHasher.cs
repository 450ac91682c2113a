using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RestikManager.Server.Accounts;

/// <summary>
/// PBKDF2-HMAC-SHA256 from the BCL at OWASP's recommended 600,000 iterations, stored as
/// <c>pbkdf2-sha256$iterations$salt$hash</c> (base64), compared in constant time.
/// </summary>
internal static class PasswordHasher
{
    public const int DefaultIterations = 600_000;
    public const int MinimumLength = 12;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const string Scheme = "pbkdf2-sha256";

    /// <summary>
    /// Iterations for new hashes: always <see cref="DefaultIterations"/> in the product. The in-process tests lower it
    /// (their module initializer) so that hundreds of server starts and sign-ins do not spend minutes in PBKDF2; a
    /// stored hash names its own count, so verification is unchanged.
    /// </summary>
    internal static int Iterations { get; set; } = DefaultIterations;

    // Verified against when the account does not exist, so a miss costs as much as a hit.
    private static readonly string Decoy = Hash("decoy password that never matches");

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Join('$', Scheme, Iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    public static bool Verify(string password, string? stored)
    {
        var parts = (stored ?? Decoy).Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations))
        {
            return false;
        }

        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Convert.FromBase64String(parts[2]), iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected) && stored is not null;
    }

    /// <summary>Why <paramref name="password"/> is not acceptable, or null.</summary>
    public static string? Weakness(string? password) =>
        string.IsNullOrEmpty(password) || password.Length < MinimumLength ? $"must be at least {MinimumLength} characters" : null;
}
