using RestikManager.Server.Configuration;

namespace RestikManager.Server.Data;

/// <summary>
/// Readies <c>RM_DATA_DIR</c> at start: every check that can refuse runs before anything is written,
/// so a refused start leaves the directory as it found it.
/// </summary>
internal static class DataDirectory
{
    public static (SecretKey Key, Database Database) Prepare(ServerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.DatabaseConnectionString is { } postgres
            ? PreparePostgres(settings, postgres)
            : Prepare(settings.DataDir, settings.SecretKey);
    }

    /// <summary>The data directory of a server on SQLite, its key <c>secret.key</c> there unless <paramref name="key"/> names one.</summary>
    public static (SecretKey Key, Database Database) Prepare(string dataDir, SecretKeySource? key = null)
    {
        if (File.Exists(dataDir))
        {
            throw ServerSettings.Refuse("RM_DATA_DIR", dataDir, "exists and is not a directory");
        }

        var database = new Database(Path.Join(dataDir, Database.FileName));
        if (Directory.Exists(dataDir))
        {
            if (!SecretKey.ValidateExisting(dataDir) && File.Exists(Path.Join(dataDir, SecretKey.SecretsFileName)))
            {
                throw new StartupRefusedException(
                    $"{Path.Join(dataDir, SecretKey.FileName)} is missing but {SecretKey.SecretsFileName} exists: a new key could never read it; " +
                    "restore secret.key from your backup");
            }

            Migrator.RefuseNewer(database);
        }

        try
        {
            CreateOwnerOnly(dataDir);
            ProbeWritable(dataDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ServerSettings.Refuse("RM_DATA_DIR", dataDir, $"not writable: {e.Message}");
        }

        Migrator.Migrate(database);
        return (key is not null ? SecretKey.From(key) : SecretKey.LoadOrCreate(dataDir), database);
    }

    /// <summary>
    /// PostgreSQL: the key must come from the environment (every replica needs the same one, and a key made here would
    /// be this replica's alone); the data directory still holds what is local (downloaded restic binaries, say).
    /// </summary>
    private static (SecretKey Key, Database Database) PreparePostgres(ServerSettings settings, string connectionString)
    {
        var key = settings.SecretKey is { } source ? SecretKey.From(source) : throw new StartupRefusedException(
            "RM_DATABASE_URL is set but neither RM_SECRET_KEY_FILE nor RM_SECRET_KEY is: every replica needs the same secret key; " +
            "make one with 'openssl rand -base64 32' and give it to each replica");
        try
        {
            CreateOwnerOnly(settings.DataDir);
            ProbeWritable(settings.DataDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ServerSettings.Refuse("RM_DATA_DIR", settings.DataDir, $"not writable: {e.Message}");
        }

        var database = Database.Postgres(connectionString);
        try
        {
            Migrator.Migrate(database);
        }
        catch (Npgsql.NpgsqlException e)
        {
            database.Dispose();
            throw new StartupRefusedException($"RM_DATABASE_URL: cannot use {database.Path}: {e.Message}", e);
        }

        return (key, database);
    }

    private static void CreateOwnerOnly(string dataDir)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dataDir);
            return;
        }

        Directory.CreateDirectory(dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void ProbeWritable(string dataDir)
    {
        var probe = Path.Join(dataDir, $".write-probe-{Guid.NewGuid():N}");
        using (File.Create(probe, 1, FileOptions.DeleteOnClose))
        {
        }
    }
}
