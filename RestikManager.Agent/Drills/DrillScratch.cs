namespace RestikManager.Agent.Drills;

/// <summary>
/// Where drills restore: <c>&lt;state dir&gt;/drills/&lt;job id&gt;</c>, removed after each drill, and everything
/// under <c>drills/</c> removed when the agent starts (what a killed drill left).
/// </summary>
internal static class DrillScratch
{
    public static string For(string drillsDir, string jobId) => Path.Join(drillsDir, jobId);

    /// <summary>Removes what earlier drills left (an agent killed mid-drill); returns how many directories went.</summary>
    public static int RemoveLeftovers(string drillsDir)
    {
        if (!Directory.Exists(drillsDir))
        {
            return 0;
        }

        var removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(drillsDir))
        {
            Remove(dir);
            removed++;
        }

        return removed;
    }

    /// <summary>
    /// Removes a scratch directory. A restore gives directories the snapshot's modes, which may deny writing to them
    /// (a 0555 directory): those are made writable first.
    /// </summary>
    public static void Remove(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return;
        }

        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException && !OperatingSystem.IsWindows())
        {
            if (!OperatingSystem.IsWindows())
            {
                MakeWritable(dir);
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    // Each directory is opened up before its children are listed (a 0000 directory cannot be listed).
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void MakeWritable(string dir)
    {
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var sub in Directory.EnumerateDirectories(dir, "*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            if (!new DirectoryInfo(sub).Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                MakeWritable(sub);
            }
        }
    }
}
