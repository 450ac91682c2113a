using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
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

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            DataDir.Dispose();
            BundledDir.Dispose();
        }
    }
}
