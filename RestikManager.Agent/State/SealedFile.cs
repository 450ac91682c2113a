using System.Security.Cryptography;
using System.Text;

namespace RestikManager.Agent.State;

/// <summary>
/// Seals what the agent keeps on disk that holds repository secrets (its plans, markers of running jobs) with
/// AES-256-GCM under a key derived from its credential, so that no password sits in a file in plain text: not in
/// a copy of the state directory, and not in a backup of it that one of the plans itself makes. A file sealed under
/// another credential (the host was enrolled again) does not open and is treated as absent.
/// </summary>
internal sealed class SealedFile(string credential)
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private static readonly byte[] Magic = "RMSEALED1"u8.ToArray();
    private readonly byte[] _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(credential), 32,
        info: "restic-manager agent state"u8.ToArray());

    public byte[] Seal(byte[] plain)
    {
        var sealedBytes = new byte[Magic.Length + NonceBytes + TagBytes + plain.Length];
        Magic.CopyTo(sealedBytes, 0);
        var nonce = sealedBytes.AsSpan(Magic.Length, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(Magic.Length + NonceBytes + TagBytes), sealedBytes.AsSpan(Magic.Length + NonceBytes, TagBytes));
        return sealedBytes;
    }

    /// <summary>The plain bytes, or null when the file is not ours or was sealed under another credential.</summary>
    public byte[]? Open(byte[] sealedBytes)
    {
        if (sealedBytes.Length < Magic.Length + NonceBytes + TagBytes || !sealedBytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            return null;
        }

        var plain = new byte[sealedBytes.Length - Magic.Length - NonceBytes - TagBytes];
        try
        {
            using var aes = new AesGcm(_key, TagBytes);
            aes.Decrypt(sealedBytes.AsSpan(Magic.Length, NonceBytes), sealedBytes.AsSpan(Magic.Length + NonceBytes + TagBytes),
                sealedBytes.AsSpan(Magic.Length + NonceBytes, TagBytes), plain);
            return plain;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }
}
