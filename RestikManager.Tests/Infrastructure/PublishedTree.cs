namespace RestikManager.Tests.Infrastructure;

/// <summary>
/// Runs <c>deploy/publish.sh</c> once per test run, with a known build stamp, for all three agent targets and the
/// linux-amd64 server. Every collection that uses it shares that one publish (read-only); it is removed when the
/// test process exits.
/// </summary>
public sealed class PublishedTree : IAsyncLifetime
{
    public const string Version = "9.8.7-test";
    public const string Commit = "c0ffee1";
    public const string Date = "2026-01-02T03:04:05Z";
    public static readonly string[] Targets = ["linux-amd64", "linux-arm64", "windows-amd64"];

    private static readonly Lazy<Task<TempDir>> Shared = new(PublishAsync);
    private TempDir _dir = null!;

    /// <summary>The publish output: server/ and dist/.</summary>
    public string Root => _dir.Path;

    public string Dist => _dir.Of("dist");

    public string ServerExecutable => _dir.Of("server", "restic-manager-server");

    public string Agent(string target) =>
        _dir.Of("dist", "agent-binaries", $"restic-manager-agent-{target}{(target.StartsWith("windows", StringComparison.Ordinal) ? ".exe" : "")}");

    public async Task InitializeAsync() => _dir = await Shared.Value;

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<TempDir> PublishAsync()
    {
        // RM_TEST_PUBLISH_DIR: a publish made earlier with the same stamp (README, "The two commands"), reused as it is: for
        // running a few process tests again without waiting for the publish. CI never sets it.
        if (Environment.GetEnvironmentVariable("RM_TEST_PUBLISH_DIR") is { Length: > 0 } kept)
        {
            var stamp = Path.Join(kept, "dist", "agent-binaries", "restic-manager-agent-linux-amd64.version");
            if (!File.Exists(stamp) || File.ReadAllText(stamp).Trim() != Version)
            {
                throw new InvalidOperationException($"RM_TEST_PUBLISH_DIR={kept} is not a publish stamped {Version} (README, \"The two commands\")");
            }

            return TempDir.Existing(kept);
        }

        var dir = new TempDir("rm-publish");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => dir.Dispose();
        var (code, output) = await ChildProcess.RunAsync("bash",
            [RepoPaths.Of("deploy", "publish.sh"), "--out", dir.Path, "--targets", string.Join(',', Targets),
             "--server", "linux-amd64", "--version", Version, "--commit", Commit, "--date", Date],
            timeout: TimeSpan.FromMinutes(10));
        if (code != 0)
        {
            throw new InvalidOperationException($"deploy/publish.sh failed ({code}):\n{output}");
        }

        return dir;
    }
}

/// <summary>
/// The process tests that use the published tree, in four collections that run side by side (each serial inside):
/// the agent process and durability, backups on published executables, the install scripts and the published server,
/// and the web pages and admin commands.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PublishedTreeGroup : ICollectionFixture<PublishedTree>
{
    public const string Name = "published tree";
    public const string Backups = "published tree: backups";
    public const string Install = "published tree: install";
    public const string Web = "published tree: web and admin";

    /// <summary>
    /// The trait of every test that runs published executables (server, agents, scripts, the browser): the slow part.
    /// The fast in-process subset is <c>dotnet test RestikManager.Tests --filter "Category!=Process"</c>.
    /// </summary>
    public const string Category = "Process";
}

[CollectionDefinition(PublishedTreeGroup.Backups)]
public sealed class PublishedTreeBackupsGroup : ICollectionFixture<PublishedTree>;

[CollectionDefinition(PublishedTreeGroup.Install)]
public sealed class PublishedTreeInstallGroup : ICollectionFixture<PublishedTree>;

[CollectionDefinition(PublishedTreeGroup.Web)]
public sealed class PublishedTreeWebGroup : ICollectionFixture<PublishedTree>;
