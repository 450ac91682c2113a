using System.Reflection;

namespace RestikManager.Contracts;

/// <summary>
/// The version, commit and build date stamped into an executable at build time
/// (<c>-p:Version=… -p:SourceRevisionId=… -p:BuildDate=…</c>).
/// </summary>
public sealed record BuildInfo(string Version, string Commit, string Date)
{
    /// <summary>The stamp of the process's entry assembly.</summary>
    public static BuildInfo Current { get; } = From(Assembly.GetEntryAssembly() ?? typeof(BuildInfo).Assembly);

    /// <summary>Reads the stamp of <paramref name="assembly"/>; missing parts take the development defaults.</summary>
    public static BuildInfo From(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        string? Metadata(string key) => assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == key)?.Value;
        return new BuildInfo(
            NonEmpty(version?.Split('+')[0], "0.0.0-dev"),
            NonEmpty(Metadata("SourceRevisionId"), "none"),
            NonEmpty(Metadata("BuildDate"), "unknown"));
    }

    /// <summary>The one line both executables print for <c>--version</c>.</summary>
    public string Describe(string program) => $"{program} {Version} (commit {Commit}, built {Date})";

    private static string NonEmpty(string? value, string fallback) =>
        string.IsNullOrWhiteSpace(value) ? fallback : value;
}
