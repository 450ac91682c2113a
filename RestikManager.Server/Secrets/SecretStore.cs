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
/// Values never leave this class except through <see cref="Get"/>. On PostgreSQL the same blob is the one row of
/// <c>secrets</c>, read on each use (another replica may have changed it) and changed in a transaction that locks it.
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
    private readonly Database? _shared;
    private Dictionary<string, string> _values;

    public SecretStore(string dataDir, SecretKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _path = Path.Join(dataDir, FileName);
        _key = key.Bytes.ToArray();
        _values = File.Exists(_path) ? Load(_path, _key) : Empty();
    }

    /// <summary>The blob in PostgreSQL's <c>secrets</c> table; read once here so that a foreign key stops the start.</summary>
    public SecretStore(Database shared, SecretKey key)
    {
        ArgumentNullException.ThrowIfNull(shared);
        ArgumentNullException.ThrowIfNull(key);
        _shared = shared;
        _path = $"the secrets table of {shared.Path}";
        _key = key.Bytes.ToArray();
        _values = ReadShared(null, null);
    }

    public IReadOnlyCollection<string> Names
    {
        get
        {
            lock (_gate)
            {
                return [.. Current().Keys];
            }
        }
    }

    public string? Get(string name)
    {
        lock (_gate)
        {
            return Current().TryGetValue(name, out var value) ? value : null;
        }
    }

    public void Set(string name, string value) => Change(values => values[name] = value);

    /// <summary>Sets (value) and removes (null) several secrets in one write: all of them land, or none.</summary>
    public void Apply(IReadOnlyDictionary<string, string?> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        Change(next =>
        {
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
        });
    }

    public bool Remove(string name)
    {
        var removed = false;
        Change(next => removed = next.Remove(name));
        return removed;
    }

    private static Dictionary<string, string> Empty() => new(StringComparer.Ordinal);

    private Dictionary<string, string> Current() => _shared is null ? _values : ReadShared(null, null);

    /// <summary>Applies <paramref name="change"/> to a copy of the current values and writes it: all of it lands, or none.</summary>
    private void Change(Action<Dictionary<string, string>> change)
    {
        lock (_gate)
        {
            if (_shared is null)
            {
                var next = new Dictionary<string, string>(_values, StringComparer.Ordinal);
                change(next);
                OwnerOnlyFile.Write(_path, Encrypt(next), overwrite: true);
                _values = next;
                return;
            }

            using var connection = _shared.Open();
            using var transaction = connection.BeginTransaction();
            Dapper.SqlMapper.Execute(connection, "SELECT pg_advisory_xact_lock(@lockId)", new { lockId = SharedLock }, transaction);
            var values = ReadShared(connection, transaction);
            change(values);
            Dapper.SqlMapper.Execute(connection,
                "INSERT INTO secrets (id, blob) VALUES (1, @blob) ON CONFLICT (id) DO UPDATE SET blob = excluded.blob",
                new { blob = Encrypt(values) }, transaction);
            transaction.Commit();
        }
    }

    // Held while a replica changes the secrets (any constant will do).
    private const long SharedLock = 0x726d_7365_6372;

    private Dictionary<string, string> ReadShared(System.Data.Common.DbConnection? connection, System.Data.Common.DbTransaction? transaction)
    {
        var own = connection is null ? _shared!.Open() : null;
        try
        {
            var blob = Dapper.SqlMapper.QuerySingleOrDefault<byte[]?>(connection ?? own!, "SELECT blob FROM secrets WHERE id = 1", transaction: transaction);
            return blob is null ? Empty() : Decrypt(blob, _path, _key);
        }
        finally
        {
            own?.Dispose();
        }
    }

    private static Dictionary<string, string> Load(string path, byte[] key) => Decrypt(File.ReadAllBytes(path), path, key);

    private static Dictionary<string, string> Decrypt(byte[] blob, string path, byte[] key)
    {
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

    private byte[] Encrypt(Dictionary<string, string> values)
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
        return blob;
    }
}

[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class SecretsJsonContext : JsonSerializerContext;
