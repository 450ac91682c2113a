using RestikManager.Server.Configuration;

namespace RestikManager.Server.Data;

/// <summary>
/// Readies <c>RM_DATA_DIR</c> at start: every check that can refuse runs before anything is written,
/// so a refused start leaves the directory as it found it.
/// </summary>
internal static class DataDirectory
{
    public static (SecretKey Key, Database Database) Prepare(string dataDir)
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
        return (SecretKey.LoadOrCreate(dataDir), database);
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
