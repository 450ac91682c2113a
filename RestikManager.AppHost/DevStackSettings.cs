using Microsoft.Extensions.Configuration;

namespace RestikManager.AppHost;

/// <summary>
/// The dev stack's settings, from configuration (command line <c>--hosts 5</c>, <c>--Parameters:data-dir …</c>,
/// environment or appsettings). Without a data dir the stack lives in a temporary directory removed at exit.
/// </summary>
public sealed record DevStackSettings(
    string Root, bool Temporary, int Hosts, string PlanSchedule, string BundledAssetsDir, string AdminPassword, Uri? OtlpEndpoint)
{
    /// <summary>Server replicas (<c>--replicas</c>, 1–4); more than one runs them on a PostgreSQL of the stack's own.</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>The folder of PostgreSQL's server binaries (initdb, postgres), found when <see cref="Replicas"/> &gt; 1.</summary>
    public string? PostgresBin { get; init; }

    /// <summary>The dev login's password unless <c>Parameters:admin-password</c> says otherwise.</summary>
    public const string DevAdminPassword = "restic-manager-dev";

    /// <summary>Replica <paramref name="replica"/>'s resource name: <c>server</c>, then <c>server-2</c> ….</summary>
    public static string ServerName(int replica) => replica == 1 ? "server" : $"server-{replica}";

    public string ServerDataDirOf(int replica) => Path.Join(Root, ServerName(replica));

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

        var replicasText = configuration["replicas"] ?? "1";
        if (!int.TryParse(replicasText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var replicas)
            || replicas is < 1 or > 4)
        {
            problems.Add($"--replicas must be from 1 to 4 (got '{replicasText}')");
        }

        var postgresBin = replicas > 1 ? DevPostgres.FindBin() : null;
        if (replicas > 1 && postgresBin is null)
        {
            problems.Add("--replicas needs PostgreSQL's server binaries (initdb, postgres); install them first (Debian/Ubuntu: sudo apt-get install postgresql)");
        }

        var otlp = configuration["otlp-endpoint"];
        Uri? otlpEndpoint = null;
        if (otlp is { Length: > 0 } && (!Uri.TryCreate(otlp, UriKind.Absolute, out otlpEndpoint) || otlpEndpoint.Scheme is not ("http" or "https")))
        {
            problems.Add($"--otlp-endpoint must be an http(s) URL of an OTLP/HTTP receiver (got '{otlp}')");
        }

        var assetsGiven = Value(configuration, "bundled-assets-dir");
        var assets = Path.GetFullPath(assetsGiven ?? Path.Join(appHostDirectory, "..", ".tmp", "apphost", "dist"));
        if (assetsGiven is not null && !Directory.Exists(assets))
        {
            problems.Add($"--Parameters:bundled-assets-dir: {assets} does not exist");
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
        if (assetsGiven is null && !Directory.Exists(assets))
        {
            // The server refuses a bundled-assets dir that is missing; an empty one only means nothing to download.
            Directory.CreateDirectory(assets);
            Console.WriteLine($"apphost: no agent downloads in {assets} (deploy/publish.sh --out {Path.GetDirectoryName(assets)} fills it)");
        }

        return new DevStackSettings(root, given is null, hosts, configuration["plan-schedule"] ?? "0 */5 * * * ?",
            assets, Value(configuration, "admin-password") ?? DevAdminPassword, otlpEndpoint) { Replicas = replicas, PostgresBin = postgresBin };
    }

    /// <summary>
    /// Where a process of the stack sends its telemetry: the dashboard (what Aspire hands it), or with
    /// <c>--otlp-endpoint</c> the given OTLP/HTTP receiver instead (set after Aspire's own variables, so it wins).
    /// </summary>
    public IResourceBuilder<T> WithTelemetry<T>(IResourceBuilder<T> resource) where T : IResourceWithEnvironment
    {
        ArgumentNullException.ThrowIfNull(resource);
        resource.WithOtlpExporter(OtlpProtocol.HttpProtobuf);
        return OtlpEndpoint is null ? resource : resource
            .WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", OtlpEndpoint.ToString().TrimEnd('/'))
            .WithEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
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
