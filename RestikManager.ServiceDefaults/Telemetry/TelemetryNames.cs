namespace RestikManager.ServiceDefaults.Telemetry;

/// <summary>
/// The ActivitySources and Meters a process subscribes to: its own, plus the ones ASP.NET Core, Kestrel,
/// HttpClient and the runtime publish themselves (taken by name; the instrumentation packages are not used).
/// </summary>
public static class TelemetryNames
{
    /// <summary>The server's own ActivitySource and Meter.</summary>
    public const string Server = "RestikManager.Server";

    /// <summary>The agent's own ActivitySource and Meter.</summary>
    public const string Agent = "RestikManager.Agent";

    /// <summary>Framework ActivitySources: incoming requests (ASP.NET Core) and outgoing HTTP.</summary>
    public static IReadOnlyList<string> FrameworkSources { get; } = ["Microsoft.AspNetCore", "System.Net.Http"];

    /// <summary>Framework Meters: requests, Kestrel connections, outgoing HTTP, DNS and the runtime (GC, threads, CPU).</summary>
    public static IReadOnlyList<string> FrameworkMeters { get; } =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.Authentication",
        "System.Net.Http",
        "System.Net.NameResolution",
        "System.Runtime",
    ];
}
