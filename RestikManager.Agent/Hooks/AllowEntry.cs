using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Hooks;

/// <summary>
/// One entry of the host's allowlist, <c>hooks.d/&lt;name&gt;.json</c>: a command (<c>hook</c>, <c>command</c>,
/// <c>restore-command</c>) or a database source (<c>postgres</c>, <c>mysql</c>, <c>sqlite</c>). Written by the host's
/// administrator; the server only ever names it.
/// </summary>
internal sealed partial record AllowEntry
{
    public string? Kind { get; init; }

    /// <summary>The command and its arguments, run without a shell; with <see cref="Shell"/>, one element: the shell's command line.</summary>
    public List<string>? Argv { get; init; }

    public bool Shell { get; init; }

    public string? WorkingDirectory { get; init; }

    /// <summary>
    /// A command's user to run as (Linux, through runuser; the agent must run as root), or a database source's user to
    /// connect as.
    /// </summary>
    public string? User { get; init; }

    public Dictionary<string, string>? Env { get; init; }

    /// <summary>Seconds before the command is killed with its children (hooks: 300 unless set; dumps: no limit unless set).</summary>
    public int? TimeoutSeconds { get; init; }

    public string? Database { get; init; }

    /// <summary>A socket folder (PostgreSQL), a socket file (MySQL) or an address.</summary>
    public string? Host { get; init; }

    public int? Port { get; init; }

    public string? PasswordFile { get; init; }

    /// <summary>A SQLite database's file.</summary>
    public string? Path { get; init; }

    /// <summary>The file name the dump has in its snapshot (default: &lt;name&gt;.sql, .sqlite3 or .dump).</summary>
    public string? Filename { get; init; }

    /// <summary>Whether the entry runs its own argv (a hook, a dump command, a restore command) rather than a database's tool.</summary>
    [JsonIgnore]
    public bool IsCommand => Kind is AllowlistKinds.Hook or AllowlistKinds.Command or AllowlistKinds.RestoreCommand;

    public static readonly TimeSpan DefaultHookTimeout = TimeSpan.FromSeconds(300);

    /// <summary>Why this entry cannot be used as <paramref name="name"/>, or null when it can.</summary>
    public string? Problem(string name)
    {
        if (Kind is null || !AllowlistKinds.All.Contains(Kind))
        {
            return $"'kind' must be one of {string.Join(", ", AllowlistKinds.All)}";
        }

        if (IsCommand)
        {
            if (Argv is not { Count: > 0 } argv || argv.Any(string.IsNullOrEmpty))
            {
                return "'argv' must list the command and its arguments";
            }

            if (Shell && argv.Count != 1)
            {
                return "with 'shell', 'argv' holds one element: the shell's command line";
            }
        }
        else if (Argv is not null || Shell)
        {
            return $"a {Kind} entry has no 'argv' or 'shell': the agent runs the database's own tool";
        }

        if (Kind == AllowlistKinds.Sqlite && (Path is null || !System.IO.Path.IsPathFullyQualified(Path)))
        {
            return "'path' must be the database file's full path";
        }

        if (TimeoutSeconds is < 1 or > 7 * 86400)
        {
            return "'timeoutSeconds' must be 1 to 604800";
        }

        if (Port is < 1 or > 65535)
        {
            return "'port' must be 1 to 65535";
        }

        if (PasswordFile is not null && !System.IO.Path.IsPathFullyQualified(PasswordFile))
        {
            return "'passwordFile' must be a full path";
        }

        if (WorkingDirectory is not null && !System.IO.Path.IsPathFullyQualified(WorkingDirectory))
        {
            return "'workingDirectory' must be a full path";
        }

        if (Filename is not null && !WireValues.IsAllowName(Filename))
        {
            return "'filename' must be a plain file name (letters, digits, '.', '_', '-')";
        }

        if (User is not null && !IsCommand && !DatabaseUserPattern().IsMatch(User))
        {
            return "'user' must be a database user name";
        }

        if (User is not null && IsCommand)
        {
            if (OperatingSystem.IsWindows())
            {
                return "'user' is not supported on Windows: the command runs as the agent's service account";
            }

            if (!UserPattern().IsMatch(User))
            {
                return "'user' must be a user name";
            }
        }

        if (Env?.Keys.FirstOrDefault(k => !EnvPattern().IsMatch(k) || k.StartsWith("RESTIC_", StringComparison.OrdinalIgnoreCase)) is { } key)
        {
            return $"'env' may not set '{key}' (names are letters, digits and '_'; RESTIC_* are the agent's)";
        }

        return null;
    }

    /// <summary>The dump's file name in its snapshot.</summary>
    public string DumpFilename(string name) => Filename ?? name + Kind switch
    {
        AllowlistKinds.Sqlite => ".sqlite3",
        AllowlistKinds.Command => ".dump",
        _ => ".sql",
    };

    [GeneratedRegex("^[a-z_][a-z0-9_.-]{0,31}$")]
    private static partial Regex UserPattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,62}$")]
    private static partial Regex DatabaseUserPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
    private static partial Regex EnvPattern();
}

// Unknown fields are refused: a misspelt "timeoutSecond" must not silently mean "no timeout".
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(AllowEntry))]
internal sealed partial class AllowEntryJsonContext : JsonSerializerContext;
