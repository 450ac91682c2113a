using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using RestikManager.Contracts.Files;
using RestikManager.Server.Configuration;
using RestikManager.Server.Data;

namespace RestikManager.Server.Secrets;

/// <summary>
/// <c>secrets.enc</c>: repository passwords and backend credentials, one AES-256-GCM blob under
/// <c>secret.key</c> (file: magic, 12-byte nonce, 16-byte tag, ciphertext of a JSON name→value map).
/// Every change writes a new nonce to a temporary file, fsyncs it and renames it over the old one. A file
/// that is damaged or was written under another key stops the server and is never overwritten.
/// Values never leave this class except through <see cref="Get"/>.
/// </summary>
internal sealed class SecretStore
{
    public const string FileName = SecretKey.SecretsFileName;
    private static readonly byte[] Magic = "RMSECRETS1"u8.ToArray();
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly string _path;
    private readonly byte[] _key;
    private readonly Lock _gate = new();
    private Dictionary<string, string> _values;

    public SecretStore(string dataDir, SecretKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _path = Path.Join(dataDir, FileName);
        _key = key.Bytes.ToArray();
        _values = File.Exists(_path) ? Load(_path, _key) : new Dictionary<string, string>(StringComparer.Ordinal);
    }

    public IReadOnlyCollection<string> Names
    {
        get
        {
            lock (_gate)
            {
                return [.. _values.Keys];
            }
        }
    }

    public string? Get(string name)
    {
        lock (_gate)
        {
            return _values.TryGetValue(name, out var value) ? value : null;
        }
    }

    public void Set(string name, string value)
    {
        lock (_gate)
        {
            var next = new Dictionary<string, string>(_values, StringComparer.Ordinal) { [name] = value };
            Save(next);
            _values = next;
        }
    }

    /// <summary>Sets (value) and removes (null) several secrets in one write: all of them land, or none.</summary>
    public void Apply(IReadOnlyDictionary<string, string?> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        lock (_gate)
        {
            var next = new Dictionary<string, string>(_values, StringComparer.Ordinal);
            foreach (var (name, value) in changes)
            {
                if (value is null)
                {
                    next.Remove(name);
                }
                else
                {
                    next[name] = value;
                }
            }

            Save(next);
            _values = next;
        }
    }

    public bool Remove(string name)
    {
        lock (_gate)
        {
            if (!_values.ContainsKey(name))
            {
                return false;
            }

            var next = new Dictionary<string, string>(_values, StringComparer.Ordinal);
            next.Remove(name);
            Save(next);
            _values = next;
            return true;
        }
    }

    private static Dictionary<string, string> Load(string path, byte[] key)
    {
        var blob = File.ReadAllBytes(path);
        var header = Magic.Length + NonceBytes + TagBytes;
        if (blob.Length < header || !blob.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new StartupRefusedException($"{path} is not a restic-manager secrets file; it was left as it is: restore it from a backup");
        }

        var plain = new byte[blob.Length - header];
        try
        {
            using var aes = new AesGcm(key, TagBytes);
            aes.Decrypt(blob.AsSpan(Magic.Length, NonceBytes), blob.AsSpan(header), blob.AsSpan(Magic.Length + NonceBytes, TagBytes), plain, Magic);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new StartupRefusedException(
                $"{path} cannot be decrypted with this secret.key (written under another key, or damaged); it was left as it is: " +
                "restore the secret.key it was written with, or the file from a backup");
        }

        return JsonSerializer.Deserialize(plain, SecretsJsonContext.Default.DictionaryStringString)
            ?? throw new StartupRefusedException($"{path} decrypts to nothing; it was left as it is");
    }

    private void Save(Dictionary<string, string> values)
    {
        var plain = JsonSerializer.SerializeToUtf8Bytes(values, SecretsJsonContext.Default.DictionaryStringString);
        var blob = new byte[Magic.Length + NonceBytes + TagBytes + plain.Length];
        Magic.CopyTo(blob, 0);
        var nonce = blob.AsSpan(Magic.Length, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(_key, TagBytes))
        {
            aes.Encrypt(nonce, plain, blob.AsSpan(Magic.Length + NonceBytes + TagBytes), blob.AsSpan(Magic.Length + NonceBytes, TagBytes), Magic);
        }

        CryptographicOperations.ZeroMemory(plain);
        OwnerOnlyFile.Write(_path, blob, overwrite: true);
    }
}

[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class SecretsJsonContext : JsonSerializerContext;
