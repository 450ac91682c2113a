using System.Runtime.InteropServices;
using RestikManager.Agent.Restic;
using RestikManager.Contracts;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent;

/// <summary>What the agent tells the server about itself and its host.</summary>
internal static class HostFacts
{
    public static string Os => OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsLinux() ? "linux" : RuntimeInformation.OSDescription;

    public static string Arch => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        var other => other.ToString().ToLowerInvariant(),
    };

    public static async Task<Hello> HelloAsync(string hostname, ResticLocator restic, UpdateFailure? failedUpdate, CancellationToken cancellationToken)
    {
        var build = BuildInfo.Current;
        var (path, source) = (restic.Path, restic.Source);
        return new Hello(AgentProtocol.Version, build.Version, build.Commit, build.Date, Os, Arch, hostname,
            await ResticVersion.DetectAsync(path, cancellationToken), failedUpdate, source);
    }
}
