namespace RestikManager.Server.Distribution;

/// <summary>
/// The files the server hands to hosts, and where they are looked up: the data directory first
/// (an operator's override), the bundled tree second. Names come only from the fixed sets below,
/// so no request text ever becomes part of a path.
/// </summary>
internal sealed class DistributionAssets(string dataDir, string bundledDir)
{
    public const string BinariesFolder = "agent-binaries";
    public const string InstallFolder = "install";
    public const string ResticFolder = "restic";

    /// <summary>Agent executable per (os, arch) the project publishes.</summary>
    public static IReadOnlyDictionary<(string Os, string Arch), string> AgentBinaries { get; } =
        new Dictionary<(string, string), string>
        {
            [("linux", "amd64")] = "restic-manager-agent-linux-amd64",
            [("linux", "arm64")] = "restic-manager-agent-linux-arm64",
            [("windows", "amd64")] = "restic-manager-agent-windows-amd64.exe",
        };

    /// <summary>The restic executable per (os, arch) a server may carry for hosts without one (<c>dist/restic/</c>).</summary>
    public static IReadOnlyDictionary<(string Os, string Arch), string> ResticBinaries { get; } =
        new Dictionary<(string, string), string>
        {
            [("linux", "amd64")] = "restic-linux-amd64",
            [("linux", "arm64")] = "restic-linux-arm64",
            [("windows", "amd64")] = "restic-windows-amd64.exe",
        };

    /// <summary>Install assets and their content types.</summary>
    public static IReadOnlyDictionary<string, string> InstallAssets { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["install.sh"] = "text/x-shellscript; charset=utf-8",
        ["install.ps1"] = "text/plain; charset=utf-8",
        ["restic-manager-agent.service"] = "text/plain; charset=utf-8",
    };

    /// <summary>The file to serve for <paramref name="name"/> in <paramref name="folder"/>, or null when neither root has it.</summary>
    public FileInfo? Find(string folder, string name)
    {
        foreach (var root in new[] { dataDir, bundledDir })
        {
            var file = new FileInfo(Path.Join(root, folder, name));
            if (file.Exists)
            {
                return file;
            }
        }

        return null;
    }
}
