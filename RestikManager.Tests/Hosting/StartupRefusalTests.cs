using Dapper;
using Microsoft.Data.Sqlite;
using RestikManager.Server.Data;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Hosting;

/// <summary>
/// The published server refuses bad configuration and damaged state with one clear line on stderr and a
/// non-zero exit, and leaves the data directory exactly as it found it.
/// </summary>
[Collection(PublishedTreeGroup.Name)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class StartupRefusalTests(PublishedTree tree) : IDisposable
{
    private readonly TempDir _root = new("rm-refusal");

    public void Dispose() => _root.Dispose();

    [Theory]
    [InlineData("RM_LISTEN", "8080")]
    [InlineData("RM_LISTEN", "example.org:80")]
    [InlineData("RM_LISTEN", ":99999")]
    [InlineData("RM_BASE_URL", "not a url")]
    [InlineData("RM_BUNDLED_ASSETS_DIR", "relative/dist")]
    [InlineData("RM_TLS_CERT", "/nonexistent/cert.pem")]
    [InlineData("RM_ADMIN_PASSWORD", "too-short")]
    public async Task BadVariableIsOneLineNamingIt(string variable, string value)
    {
        var data = _root.Of("data");
        var (code, lines) = await Run(new() { ["RM_DATA_DIR"] = data, [variable] = value });

        code.ShouldBe(1);
        lines.ShouldHaveSingleItem().ShouldStartWith($"restic-manager-server: {(variable == "RM_TLS_CERT" ? "RM_TLS_KEY" : variable)}");
        Directory.Exists(data).ShouldBeFalse("nothing is created before the configuration is valid");
    }

    [Fact]
    public async Task DataDirThatIsAFileIsRefused()
    {
        var file = _root.Write("data", "not a directory");

        var (code, lines) = await Run(new() { ["RM_DATA_DIR"] = file });

        code.ShouldBe(1);
        lines.ShouldHaveSingleItem().ShouldBe($"restic-manager-server: RM_DATA_DIR='{file}': exists and is not a directory");
        File.ReadAllText(file).ShouldBe("not a directory");
    }

    [Fact]
    public async Task DataDirThatCannotBeCreatedIsRefused()
    {
        _root.Write("file", "x");

        var (code, lines) = await Run(new() { ["RM_DATA_DIR"] = _root.Of("file", "data") });

        code.ShouldBe(1);
        lines.ShouldHaveSingleItem().ShouldStartWith($"restic-manager-server: RM_DATA_DIR='{_root.Of("file", "data")}': not writable");
    }

    [Fact]
    public async Task DataDirTheServiceUserCannotWriteIsRefused()
    {
        // Root may write anywhere, so the server runs here as 'nobody' against a root-owned 0755 directory.
        var data = Directory.CreateDirectory(_root.Of("root-owned")).FullName;
        File.SetUnixFileMode(_root.Path, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(data, (UnixFileMode)0b111_101_101);
        var before = DirectorySnapshot.Take(data);

        var (code, output) = await ChildProcess.RunAsync("setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", tree.ServerExecutable],
            new Dictionary<string, string?> { ["RM_DATA_DIR"] = data, ["RM_BUNDLED_ASSETS_DIR"] = tree.Dist, ["DOTNET_CLI_HOME"] = "/tmp" });

        code.ShouldBe(1, output);
        output.ShouldContain($"restic-manager-server: RM_DATA_DIR='{data}': not writable");
        DirectorySnapshot.Take(data).ShouldBe(before);
    }

    [Theory]
    [InlineData(16, 0b110_000_000, "is 16 bytes, expected 32")]
    [InlineData(32, 0b110_100_100, "is readable by group or others (mode 0644)")]
    public async Task DamagedOrExposedKeyIsRefusedAndKept(int size, int mode, string message)
    {
        var data = await InitializedDataDir();
        var key = Path.Join(data, "secret.key");
        File.WriteAllBytes(key, new byte[size]);
        File.SetUnixFileMode(key, (UnixFileMode)mode);
        var before = DirectorySnapshot.Take(data);

        var (code, lines) = await Run(new() { ["RM_DATA_DIR"] = data });

        code.ShouldBe(1);
        lines.ShouldHaveSingleItem().ShouldStartWith($"restic-manager-server: {key} {message}");
        DirectorySnapshot.Take(data).ShouldBe(before);
    }

    [Fact]
    public async Task NewerDatabaseIsRefusedAndKept()
    {
        var data = await InitializedDataDir();
        using (var connection = new SqliteConnection($"Data Source={Path.Join(data, "restic-manager.db")};Pooling=False"))
        {
            connection.Open();
            connection.Execute($"PRAGMA user_version = {Migrator.LatestVersion + 1}");
        }

        var before = DirectorySnapshot.Take(data);

        var (code, lines) = await Run(new() { ["RM_DATA_DIR"] = data });

        code.ShouldBe(1);
        lines.ShouldHaveSingleItem().ShouldContain("newer than this server knows");
        DirectorySnapshot.Take(data).ShouldBe(before);
    }

    [Fact]
    public async Task ForeignDatabaseFileIsRefusedAndKept()
    {
        var data = await InitializedDataDir();
        File.WriteAllText(Path.Join(data, "restic-manager.db"), new string('x', 4096));
        var before = DirectorySnapshot.Take(data);

        var (code, lines) = await Run(new() { ["RM_DATA_DIR"] = data });

        code.ShouldBe(1);
        lines.ShouldHaveSingleItem().ShouldEndWith("restic-manager.db is not a SQLite database; move it aside or restore it from a backup");
        DirectorySnapshot.Take(data).ShouldBe(before);
    }

    [Fact]
    public async Task SecretsFromAnotherInstallationAreRefusedAndKept()
    {
        var data = await InitializedDataDir();
        File.WriteAllBytes(Path.Join(data, "secrets.enc"), [.. "RMSECRETS1"u8, .. new byte[64]]);
        var before = DirectorySnapshot.Take(data);

        var (code, lines) = await Run(new() { ["RM_DATA_DIR"] = data });

        code.ShouldBe(1);
        lines.ShouldHaveSingleItem().ShouldContain("secrets.enc cannot be decrypted with this secret.key");
        DirectorySnapshot.Take(data).ShouldBe(before);
    }

    [Fact]
    public async Task AnAddressInUseIsRefusedNotACrash()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var (code, lines) = await Run(new() { ["RM_DATA_DIR"] = _root.Of("data"), ["RM_LISTEN"] = $"127.0.0.1:{port}" });

        code.ShouldBe(1, string.Join('\n', lines));
        lines[^1].ShouldBe($"restic-manager-server: RM_LISTEN: Failed to bind to address http://127.0.0.1:{port}: address already in use; " +
            "stop what listens there or set RM_LISTEN to another address");
        lines.ShouldNotContain(l => l.Contains("Unhandled exception"));
    }

    /// <summary>A data directory a real start has already created (key, migrated database), server stopped.</summary>
    private async Task<string> InitializedDataDir()
    {
        var data = _root.Of("data");
        using (var server = await ServerProcess.StartAsync(tree.ServerExecutable, new() { ["RM_DATA_DIR"] = data, ["RM_BUNDLED_ASSETS_DIR"] = tree.Dist }))
        {
            server.Process.Signal(15);
            (await server.Process.WaitForExitAsync(TimeSpan.FromSeconds(20))).ShouldBe(0);
        }

        File.Exists(Path.Join(data, "secret.key")).ShouldBeTrue();
        return data;
    }

    private async Task<(int Code, IReadOnlyList<string> Lines)> Run(Dictionary<string, string?> env)
    {
        env.TryAdd("RM_LISTEN", "127.0.0.1:0");
        env.TryAdd("RM_BUNDLED_ASSETS_DIR", tree.Dist);
        using var process = ChildProcess.Start(tree.ServerExecutable, [], env);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return (code, process.Lines);
    }
}
