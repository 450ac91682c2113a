using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace RestikManager.Contracts.Protocol;

/// <summary>The shapes of values both sides check before they use them: ids that become file names, snapshot ids, paths.</summary>
public static partial class WireValues
{
    /// <summary>Job and repository ids: 1 to 64 letters, digits or '-' (they become file names on the agent).</summary>
    public static bool IsId([NotNullWhen(true)] string? id) => id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    /// <summary>A restic snapshot id: full (64) or short (at least 8) lowercase hex.</summary>
    public static bool IsSnapshotId([NotNullWhen(true)] string? id) => id is not null && SnapshotId().IsMatch(id);

    /// <summary>Absolute on Linux (<c>/…</c>) or Windows (<c>C:\…</c>), at most 4096 characters, no control characters.</summary>
    public static bool IsAbsolutePath([NotNullWhen(true)] string? path) =>
        path is { Length: > 0 and <= 4096 } && !path.Any(char.IsControl)
        && (path.StartsWith('/') || WindowsAbsolute().IsMatch(path));

    [GeneratedRegex("^[0-9a-f]{8,64}$")]
    private static partial Regex SnapshotId();

    [GeneratedRegex(@"^[A-Za-z]:[\\/]")]
    private static partial Regex WindowsAbsolute();
}
