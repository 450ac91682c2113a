namespace RestikManager.ServiceDefaults.Telemetry;

/// <summary>
/// The ActivitySources and Meters of our processes, and the framework ones the agent's lean telemetry
/// (<see cref="ServiceTelemetry"/>) subscribes to by name. The server gets the framework's through the
/// instrumentation packages (<see cref="Extensions.AddServiceDefaults{TBuilder}"/>).
/// </summary>
public static class TelemetryNames
{
    /// <summary>The server's own ActivitySource and Meter.</summary>
    public const string Server = "RestikManager.Server";

    /// <summary>The agent's own ActivitySource and Meter.</summary>
    public const string Agent = "RestikManager.Agent";

    /// <summary>Framework ActivitySources of the agent: outgoing HTTP (enrollment).</summary>
    public static IReadOnlyList<string> FrameworkSources { get; } = ["System.Net.Http"];

    /// <summary>Framework Meters of the agent: outgoing HTTP, DNS and the runtime (GC, threads, CPU).</summary>
    public static IReadOnlyList<string> FrameworkMeters { get; } = ["System.Net.Http", "System.Net.NameResolution", "System.Runtime"];
}
