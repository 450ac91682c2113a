using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Jobs;

/// <summary>
/// Keeps restores out of what decides what this agent trusts and runs: its config file, its state folder and the hooks
/// allowlist. Otherwise a server could restore a snapshot it made up into <c>hooks.d</c> and have it run. A restore writes
/// only under one folder (the target, or the target plus the include path); it is refused when that folder lies inside
/// a protected folder, or holds a protected folder or file.
/// </summary>
internal sealed class RestoreGuard(IEnumerable<string> protectedFolders)
{
    private readonly string[] _protected = [.. protectedFolders.Select(Path.GetFullPath).Select(Trim)];

    private static StringComparison Comparison => OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Why <paramref name="job"/> (a restore) may not write where it would, or null.</summary>
    public string? Problem(JobSpec job)
    {
        if (job.Target is not { } target)
        {
            return null;
        }

        var written = job is { ContentsOnly: false, IncludePath: { } include } && include != "/"
            ? Path.Join(target, include.TrimStart('/', '\\').Replace(':', '_'))
            : target;
        written = Trim(Path.GetFullPath(written));
        foreach (var folder in _protected)
        {
            if (Within(written, folder) || Within(folder, written))
            {
                return $"a restore may not write into {folder} (the agent's own config, state or hooks allowlist)";
            }
        }

        return null;
    }

    private static string Trim(string path) => path.Length > 1 ? path.TrimEnd('/', '\\') : path;

    private static bool Within(string path, string folder) =>
        path.Equals(folder, Comparison)
        || path.StartsWith(folder.EndsWith('/') || folder.EndsWith('\\') ? folder : folder + Path.DirectorySeparatorChar, Comparison);
}
