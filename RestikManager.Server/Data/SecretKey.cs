using System.Security.Cryptography;
using RestikManager.Contracts.Files;
using RestikManager.Server.Configuration;

namespace RestikManager.Server.Data;

/// <summary>
/// <c>secret.key</c>: 32 random bytes, mode 0600, created once. An existing key is never replaced:
/// a new one would orphan every stored secret, so a damaged or exposed key stops the server instead.
/// </summary>
internal sealed class SecretKey
{
    public const string FileName = "secret.key";

    /// <summary>The file this key encrypts (owned by the secret store; named here so the data directory can check the pair).</summary>
    public const string SecretsFileName = "secrets.enc";
    public const int Length = 32;

    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private SecretKey(byte[] bytes) => Bytes = bytes;

    /// <summary>The key material.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>Checks an existing key without changing anything; returns false when there is none yet.</summary>
    public static bool ValidateExisting(string dataDir)
    {
        var path = Path.Join(dataDir, FileName);
        if (Directory.Exists(path))
        {
            throw new StartupRefusedException($"{path} is a directory, not a key file");
        }

        if (!File.Exists(path))
        {
            return false;
        }

        var length = new FileInfo(path).Length;
        if (length != Length)
        {
            throw new StartupRefusedException(
                $"{path} is {length} bytes, expected {Length}; refusing to start rather than replace it " +
                "(a new key would orphan every stored secret): restore the original key file");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & GroupOrOthers) != 0)
        {
            throw new StartupRefusedException(
                $"{path} is readable by group or others (mode {ModeText(File.GetUnixFileMode(path))}); " +
                $"run 'chmod 600 {path}' and start again");
        }

        return true;
    }

    /// <summary>Loads the key, creating it first when the data directory has none.</summary>
    public static SecretKey LoadOrCreate(string dataDir)
    {
        var path = Path.Join(dataDir, FileName);
        if (!ValidateExisting(dataDir))
        {
            Create(path);
        }

        return new SecretKey(File.ReadAllBytes(path));
    }

    /// <summary>Encrypts <paramref name="plain"/> with AES-256-GCM under this key: a 12-byte nonce, the 16-byte tag, the ciphertext.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plain)
    {
        var sealedBytes = new byte[12 + 16 + plain.Length];
        RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, 12));
        using var aes = new AesGcm(Bytes.Span, 16);
        aes.Encrypt(sealedBytes.AsSpan(0, 12), plain, sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16));
        return sealedBytes;
    }

    /// <summary>The plain bytes <see cref="Seal"/> sealed; throws <see cref="CryptographicException"/> for another key or a change.</summary>
    public byte[] Open(ReadOnlySpan<byte> sealedBytes)
    {
        if (sealedBytes.Length < 28)
        {
            throw new CryptographicException("sealed data too short");
        }

        var plain = new byte[sealedBytes.Length - 28];
        using var aes = new AesGcm(Bytes.Span, 16);
        aes.Decrypt(sealedBytes[..12], sealedBytes[28..], sealedBytes.Slice(12, 16), plain);
        return plain;
    }

    /// <summary>The key <c>RM_SECRET_KEY_FILE</c> or <c>RM_SECRET_KEY</c> gives: 32 bytes, or their base64.</summary>
    public static SecretKey From(SecretKeySource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var bytes = source.File is { } file ? File.ReadAllBytes(file) : System.Text.Encoding.ASCII.GetBytes(source.Base64 ?? "");
        if (bytes.Length == Length)
        {
            return new SecretKey(bytes);
        }

        var text = System.Text.Encoding.ASCII.GetString(bytes).Trim();
        var decoded = new byte[Length + 3];
        if (Convert.TryFromBase64String(text, decoded, out var written) && written == Length)
        {
            return new SecretKey(decoded[..Length]);
        }

        throw new StartupRefusedException(
            $"{source.Variable}: the key must be {Length} bytes, or their base64 (for example from 'openssl rand -base64 {Length}')");
    }

    // Moved into place without overwrite: a crash never leaves a short key and a concurrent start never replaces one.
    private static void Create(string path) => OwnerOnlyFile.Write(path, RandomNumberGenerator.GetBytes(Length), overwrite: false);

    private static string ModeText(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
