using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RestikManager.Tests.Infrastructure;

/// <summary>
/// The real server in-process (<see cref="WebApplicationFactory{TEntryPoint}"/>) over a temporary data
/// directory and bundled-assets directory; both are removed on dispose.
/// </summary>
internal sealed class ServerFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string> _settings;

    public ServerFactory(Dictionary<string, string>? settings = null)
    {
        _settings = settings ?? [];
        _settings.TryAdd("RM_DATA_DIR", DataDir.Path);
        _settings.TryAdd("RM_BUNDLED_ASSETS_DIR", BundledDir.Path);
        _settings.TryAdd("RM_ADMIN_PASSWORD", Api.AdminPassword);
        // An explicit RM_DATABASE_URL (even "", which means SQLite) is the test's choice.
        if (Engine == "postgres" && !_settings.ContainsKey("RM_DATABASE_URL"))
        {
            _postgresDatabase = PostgresCluster.Shared.NewDatabase();
            _settings["RM_DATABASE_URL"] = _postgresDatabase;
            _settings.TryAdd("RM_SECRET_KEY", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        }
    }

    /// <summary>
    /// The engine in-process servers use: SQLite, or PostgreSQL when <c>RM_TEST_ENGINE=postgres</c> (test.sh runs the
    /// in-process suite once more that way, each server on its own database in one shared cluster).
    /// </summary>
    public static string Engine { get; } = Environment.GetEnvironmentVariable("RM_TEST_ENGINE") is { Length: > 0 } e ? e : "sqlite";

    private readonly string? _postgresDatabase;

    /// <summary>
    /// Gives <paramref name="settings"/> a database that outlives one server, for a test that starts a second server on the
    /// first one's state: on PostgreSQL a database of its own and a fixed secret key (SQLite's state is in RM_DATA_DIR).
    /// </summary>
    public static Dictionary<string, string> Restartable(Dictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (Engine == "postgres")
        {
            settings.TryAdd("RM_DATABASE_URL", PostgresCluster.Shared.NewDatabase());
            settings.TryAdd("RM_SECRET_KEY", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        }

        return settings;
    }

    /// <summary>Everything the server logged (all levels, all categories).</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>The same server on real Kestrel at a free loopback port: requests go over a socket as written.</summary>
    public static ServerFactory OnKestrel(Dictionary<string, string>? settings = null)
    {
        settings ??= [];
        settings["RM_LISTEN"] = "127.0.0.1:0";
        var factory = new ServerFactory(settings);
        factory.UseKestrel();
        factory.StartServer();
        return factory;
    }

    public TempDir DataDir { get; } = new("rm-data");

    /// <summary>Replaces services before the server starts (a test's clock, say).</summary>
    public Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? Replace { get; init; }

    public TempDir BundledDir { get; } = new("rm-bundled");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (Replace is { } replace)
        {
            Microsoft.AspNetCore.TestHost.WebHostBuilderExtensions.ConfigureTestServices(builder, replace);
        }

        // Captured for assertions and scans; not echoed, so the test output stays readable.
        builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(Logs));
    }

    /// <summary>The audit trail, checked, wherever the engine keeps it: the first broken sequence number (or null) and the entries.</summary>
    public long? Audit(out IReadOnlyList<RestikManager.Server.Audit.AuditEntry> entries) =>
        Services.GetRequiredService<RestikManager.Server.Audit.AuditLog>().Verify(out entries);

    /// <summary>Every audit entry as stored (JSON lines), for scans.</summary>
    public string AuditText()
    {
        Audit(out var entries);
        return string.Join('\n', entries.Select(e => System.Text.Json.JsonSerializer.Serialize(e)));
    }

    /// <summary>Everything the database holds, as text, read while the server has it open: SQLite's files, or a dump of PostgreSQL's database.</summary>
    public string StoredText() => _postgresDatabase is null
        ? string.Concat(new[] { "restic-manager.db", "restic-manager.db-wal" }.Select(f => System.IO.Path.Join(DataDir.Path, f)).Where(File.Exists).Select(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, System.Text.Encoding.Latin1);
            return reader.ReadToEnd();
        }))
        : PostgresCluster.Shared.Dump(_postgresDatabase);

    /// <summary>The encrypted secrets as stored: <c>secrets.enc</c>'s bytes, or PostgreSQL's secrets row (empty when there are none yet).</summary>
    public byte[] StoredSecrets()
    {
        if (_postgresDatabase is null)
        {
            var path = System.IO.Path.Join(DataDir.Path, "secrets.enc");
            return File.Exists(path) ? File.ReadAllBytes(path) : [];
        }

        using var connection = Services.GetRequiredService<RestikManager.Server.Data.Database>().Open();
        return Dapper.SqlMapper.QuerySingleOrDefault<byte[]>(connection, "SELECT blob FROM secrets WHERE id = 1") ?? [];
    }

    /// <summary>Runs a statement on the server's own database (either engine): a test's way to age a row.</summary>
    public int Execute(string sql, object? parameters = null)
    {
        using var connection = Services.GetRequiredService<RestikManager.Server.Data.Database>().Open();
        return Dapper.SqlMapper.Execute(connection, sql, parameters);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            DataDir.Dispose();
            BundledDir.Dispose();
            if (_postgresDatabase is not null)
            {
                PostgresCluster.Shared.DropDatabase(_postgresDatabase);
            }
        }
    }
}
