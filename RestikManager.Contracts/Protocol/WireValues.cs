using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace RestikManager.Contracts.Protocol;

/// <summary>The shapes of values both sides check before they use them: ids that become file names, snapshot ids, paths.</summary>
public static partial class WireValues
{
    /// <summary>
    /// Whether <paramref name="value"/> is fit to store and log as a short name (hostname, version, platform, label):
    /// 1 to <paramref name="max"/> printable characters, no control characters that could forge a log line.
    /// </summary>
    public static bool IsPlainText(string? value, int max = 128) =>
        !string.IsNullOrWhiteSpace(value) && value.Length <= max && !value.Any(char.IsControl);

    /// <summary>Job and repository ids: 1 to 64 letters, digits or '-' (they become file names on the agent).</summary>
    public static bool IsId([NotNullWhen(true)] string? id) => id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    /// <summary>
    /// The name of a host allowlist entry (<c>hooks.d/&lt;name&gt;.json</c>): 1 to 64 letters, digits, '.', '_' or '-', not
    /// starting with '.' or '-', so it can never name another folder or read as a flag.
    /// </summary>
    public static bool IsAllowName([NotNullWhen(true)] string? name) => name is not null && AllowName().IsMatch(name);

    /// <summary>A restic snapshot id: full (64) or short (at least 8) lowercase hex.</summary>
    public static bool IsSnapshotId([NotNullWhen(true)] string? id) => id is not null && SnapshotId().IsMatch(id);

    /// <summary>
    /// Absolute and canonical on Linux (<c>/srv/data</c>) or Windows (<c>C:\Data</c>), at most 4096 characters, no control
    /// characters: no <c>.</c> or <c>..</c> segment, no doubled separator, no trailing separator (but the root itself).
    /// A path that names one place one way only cannot slip past a check made on another spelling of it.
    /// </summary>
    public static bool IsAbsolutePath([NotNullWhen(true)] string? path) =>
        path is { Length: > 0 and <= 4096 } && !path.Any(char.IsControl) && RootLength(path) > 0 && Canonical(path) == path;

    /// <summary>
    /// The canonical spelling of an absolute path (what <see cref="IsAbsolutePath"/> accepts), for an error message that
    /// says what to write instead; null when <paramref name="path"/> is not absolute or climbs above its root.
    /// </summary>
    public static string? Canonical(string? path)
    {
        var root = path is null ? 0 : RootLength(path);
        if (root == 0)
        {
            return null;
        }

        var windows = path![0] != '/';
        var separators = windows ? new[] { '\\', '/' } : ['/'];
        var segments = new List<string>();
        foreach (var segment in path[root..].Split(separators))
        {
            switch (segment)
            {
                case "" or ".":
                    break;
                case "..":
                    if (segments.Count == 0)
                    {
                        return null;
                    }

                    segments.RemoveAt(segments.Count - 1);
                    break;
                default:
                    segments.Add(segment);
                    break;
            }
        }

        var separator = windows ? path[2].ToString() : "/";
        return path[..(root - 1)] + separator + string.Join(separator, segments);
    }

    /// <summary>
    /// Why <paramref name="path"/> is refused, for an error message: not absolute, or not in its one canonical spelling
    /// (then which that is).
    /// </summary>
    public static string PathProblem(string path) => Canonical(path) is { } canonical && !path.Any(char.IsControl)
        ? $"'{Short(path, 300)}' is not canonical ('.', '..', doubled or trailing separators); write '{Short(canonical, 300)}'"
        : $"'{Short(path, 60)}' is not an absolute path (restic stores relative paths under a different tree)";

    private static string Short(string value, int max) => value.Length <= max ? value : value[..max] + "…";

    // "/" → 1; "C:\" or "C:/" → 3; anything else (relative, "C:foo", UNC) → 0.
    private static int RootLength(string path) =>
        path.StartsWith('/') ? 1 : WindowsAbsolute().IsMatch(path) ? 3 : 0;

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex AllowName();

    [GeneratedRegex("^[0-9a-f]{8,64}$")]
    private static partial Regex SnapshotId();

    [GeneratedRegex(@"^[A-Za-z]:[\\/]")]
    private static partial Regex WindowsAbsolute();
}
