using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Distribution;

/// <summary>The published server executable, started as a process against the published tree and an empty data dir.</summary>
[Collection(PublishedTreeGroup.Install)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class PublishedServerTests(PublishedTree tree) : IDisposable
{
    private readonly TempDir _data = new("rm-data");

    public void Dispose() => _data.Dispose();

    /// <summary>
    /// What one started server does without being changed, on one server (each start costs a second of CPU): it logs
    /// its stamp, serves each published agent byte for byte (the arm64 one with its checksum) and the install assets
    /// with its own URL, answers /alive and /health as its health command does, and stops cleanly on SIGTERM.
    /// </summary>
    [Fact]
    public async Task OneServerServesWhatWasPublishedAnswersItsProbesAndStopsCleanly()
    {
        using var server = await Start();
        server.Process.Lines.ShouldContain(l => l.Contains(
            $"restic-manager-server {PublishedTree.Version} (commit {PublishedTree.Commit}, built {PublishedTree.Date}) starting", StringComparison.Ordinal));

        // The agents, byte for byte.
        (await server.Http.GetByteArrayAsync("/agent/binary?os=linux&arch=amd64")).ShouldBe(await File.ReadAllBytesAsync(tree.Agent("linux-amd64")));
        (await server.Http.GetByteArrayAsync("/agent/binary?os=windows&arch=amd64")).ShouldBe(await File.ReadAllBytesAsync(tree.Agent("windows-amd64")));
        using (var arm = await server.Http.GetAsync("/agent/binary?os=linux&arch=arm64"))
        {
            arm.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
            var bytes = await arm.Content.ReadAsByteArrayAsync();
            bytes.ShouldBe(File.ReadAllBytes(tree.Agent("linux-arm64")));
            arm.Headers.GetValues("X-Checksum-Sha256").Single().ShouldBe(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
        }

        // The install assets, with this server's URL filled in.
        var url = server.BaseUrl.ToString().TrimEnd('/');
        var script = await server.Http.GetStringAsync("/install/install.sh");
        script.ShouldContain($"server_url=\"{url}\"");
        script.ShouldNotContain("@@RM_SERVER_URL@@");
        (await server.Http.GetStringAsync("/install/install.ps1")).ShouldContain($"[string]$Server = '{url}'");
        (await server.Http.GetStringAsync("/install/restic-manager-agent.service")).ShouldContain($"Documentation={url}");

        // The probes, and the health command that asks the same.
        (await server.Http.GetStringAsync("/alive")).ShouldBe("Healthy");
        (await server.Http.GetStringAsync("/health")).ShouldBe("Healthy");
        var probe = await ChildProcess.RunAsync(tree.ServerExecutable, ["health"],
            new Dictionary<string, string?> { ["RM_LISTEN"] = $"127.0.0.1:{server.BaseUrl.Port}" });
        probe.ExitCode.ShouldBe(0, probe.Output);

        // A clean stop.
        server.Process.Signal(15);
        var code = await server.Process.WaitForExitAsync(TimeSpan.FromSeconds(20));
        code.ShouldBe(0, server.Process.Output);
        server.Process.Lines.ShouldContain(l => l.EndsWith("Stopped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HealthCommandFailsWhenNothingListens()
    {
        var probe = await ChildProcess.RunAsync(tree.ServerExecutable, ["health"],
            new Dictionary<string, string?> { ["RM_LISTEN"] = "127.0.0.1:1" });

        probe.ExitCode.ShouldBe(1);
        probe.Output.ShouldStartWith("unhealthy: http://127.0.0.1:1/health");
    }

    [Fact]
    public async Task HealthIsUnhealthyWhenTheDatabaseIsGone()
    {
        using var server = await Start();
        Directory.Delete(_data.Path, recursive: true);
        File.WriteAllText(_data.Path, "the data directory was replaced by a file");

        using var response = await server.Http.GetAsync("/health");
        var probe = await ChildProcess.RunAsync(tree.ServerExecutable, ["health"],
            new Dictionary<string, string?> { ["RM_LISTEN"] = $"127.0.0.1:{server.BaseUrl.Port}" });

        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.ServiceUnavailable);
        probe.ExitCode.ShouldBe(1);
        File.Delete(_data.Path);
    }

    [Fact]
    public async Task VersionFlagPrintsTheStamp()
    {
        var (code, output) = await ChildProcess.RunAsync(tree.ServerExecutable, ["--version"]);

        code.ShouldBe(0);
        output.Trim().ShouldBe($"restic-manager-server {PublishedTree.Version} (commit {PublishedTree.Commit}, built {PublishedTree.Date})");
    }

    [Fact]
    public async Task UnknownArgumentsAreRefused()
    {
        var (code, output) = await ChildProcess.RunAsync(tree.ServerExecutable, ["serve-please"],
            new Dictionary<string, string?> { ["RM_DATA_DIR"] = _data.Path });

        code.ShouldBe(2);
        output.ShouldContain("unknown argument 'serve-please'");
        Directory.EnumerateFileSystemEntries(_data.Path).ShouldBeEmpty();
    }

    [Fact]
    public async Task TheBootstrappedAdminPasswordIsHashedWithTheFullPbkdf2Count()
    {
        // The in-process tests lower the count (FastPasswordHashing); the product never does.
        using (var server = await ServerProcess.StartAsync(tree.ServerExecutable, new()
               {
                   ["RM_DATA_DIR"] = _data.Path, ["RM_BUNDLED_ASSETS_DIR"] = tree.Dist, ["RM_ADMIN_PASSWORD"] = Api.AdminPassword,
               }))
        {
            (await Api.TokenAsync(server.Http)).ShouldStartWith("rmt_");
        }

        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Join(_data.Path, RestikManager.Server.Data.Database.FileName)};Mode=ReadOnly");
        connection.Open();
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT password_hash FROM users WHERE username = 'admin'";
        ((string)query.ExecuteScalar()!).ShouldStartWith($"pbkdf2-sha256${RestikManager.Server.Accounts.PasswordHasher.DefaultIterations}$");
        RestikManager.Server.Accounts.PasswordHasher.DefaultIterations.ShouldBe(600_000);
    }

    private Task<ServerProcess> Start() => ServerProcess.StartAsync(tree.ServerExecutable, new()
    {
        ["RM_DATA_DIR"] = _data.Path,
        ["RM_BUNDLED_ASSETS_DIR"] = tree.Dist,
    });
}
