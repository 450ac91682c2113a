using Microsoft.Extensions.Configuration;

namespace RestikManager.AppHost;

/// <summary>
/// The dev stack's settings, from configuration (command line <c>--hosts 5</c>, <c>--Parameters:data-dir …</c>,
/// environment or appsettings). Without a data dir the stack lives in a temporary directory removed at exit.
/// </summary>
public sealed record DevStackSettings(string Root, bool Temporary, int Hosts, string PlanSchedule, string BundledAssetsDir, string AdminPassword)
{
    /// <summary>The dev login's password unless <c>Parameters:admin-password</c> says otherwise.</summary>
    public const string DevAdminPassword = "restic-manager-dev";

    public string ServerDataDir => Path.Join(Root, "server");

    /// <summary>The simulated hosts, host-1 … host-N, each with its own home under the root.</summary>
    public IReadOnlyList<SimulatedHost> SimulatedHosts =>
        [.. Enumerable.Range(1, Hosts).Select(i => new SimulatedHost($"host-{i}", Path.Join(Root, "hosts", $"host-{i}")))];

    /// <summary>Reads and checks the settings; null (after saying why on stderr) when one is bad or restic is missing.</summary>
    public static DevStackSettings? Read(IConfiguration configuration, string appHostDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        var hostsText = configuration["hosts"] ?? configuration["Parameters:hosts"] ?? "3";
        if (!int.TryParse(hostsText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var hosts) || hosts > 50)
        {
            problems.Add($"--hosts must be from 0 to 50 (got '{hostsText}')");
        }

        if (!OnPath("restic"))
        {
            problems.Add("restic is not installed; install it first (Debian/Ubuntu: sudo apt-get install restic)");
        }

        foreach (var problem in problems)
        {
            Console.Error.WriteLine($"apphost: {problem}");
        }

        if (problems.Count > 0)
        {
            return null;
        }

        var given = Value(configuration, "data-dir");
        var root = given is null ? Path.Join(Path.GetTempPath(), $"restic-manager-dev-{Guid.NewGuid():N}") : Path.GetFullPath(given);
        var assets = Value(configuration, "bundled-assets-dir") ?? Path.Join(appHostDirectory, "..", ".tmp", "apphost", "dist");
        return new DevStackSettings(root, given is null, hosts, configuration["plan-schedule"] ?? "0 */5 * * * ?",
            Path.GetFullPath(assets), Value(configuration, "admin-password") ?? DevAdminPassword);
    }

    /// <summary>Removes the temporary root once every process has stopped (a given data dir is kept).</summary>
    public void RemoveTemporaryState()
    {
        if (Temporary && Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    private static string? Value(IConfiguration configuration, string parameter) =>
        configuration[$"Parameters:{parameter}"] is { Length: > 0 } value ? value : null;

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(dir => dir.Length > 0 && File.Exists(Path.Join(dir, program)));
}
