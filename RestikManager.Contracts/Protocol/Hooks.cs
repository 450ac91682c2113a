using System.Text.Json.Serialization;

namespace RestikManager.Contracts.Protocol;

/// <summary>
/// A plan's hooks: names of entries in each host's own allowlist (<c>hooks.d/&lt;name&gt;.json</c>), run around its backups.
/// <see cref="Before"/> runs first (a failure aborts the backup unless the plan continues on error); <see cref="After"/> on
/// success; <see cref="OnFailure"/> after a failed, cancelled or interrupted backup; <see cref="Finally"/> always, last.
/// </summary>
public sealed record PlanHooks(
    IReadOnlyList<string>? Before = null, IReadOnlyList<string>? After = null,
    IReadOnlyList<string>? OnFailure = null, IReadOnlyList<string>? Finally = null)
{
    [JsonIgnore]
    public IEnumerable<(string Phase, IReadOnlyList<string> Names)> Phases =>
    [
        (HookPhases.Before, Before ?? []), (HookPhases.After, After ?? []),
        (HookPhases.OnFailure, OnFailure ?? []), (HookPhases.Finally, Finally ?? []),
    ];

    [JsonIgnore]
    public IEnumerable<string> Names => Phases.SelectMany(p => p.Names);

    [JsonIgnore]
    public bool IsEmpty => !Names.Any();
}

/// <summary>When a hook ran: around a backup, or (<see cref="Restore"/>) as the command a dump was restored into.</summary>
public static class HookPhases
{
    public const string Before = "before";
    public const string After = "after";
    public const string OnFailure = "onFailure";
    public const string Finally = "finally";
    public const string Restore = "restore";

    /// <summary>A database source's dump command.</summary>
    public const string Dump = "dump";
}

/// <summary>The kinds of entry a host's allowlist holds.</summary>
public static class AllowlistKinds
{
    /// <summary>A command run before or after a backup.</summary>
    public const string Hook = "hook";
    public const string Postgres = "postgres";
    public const string Mysql = "mysql";
    public const string Sqlite = "sqlite";

    /// <summary>Any command whose stdout is a dump.</summary>
    public const string Command = "command";

    /// <summary>A command a restored dump is streamed into (on its stdin).</summary>
    public const string RestoreCommand = "restore-command";

    public static readonly IReadOnlyList<string> All = [Hook, Postgres, Mysql, Sqlite, Command, RestoreCommand];

    /// <summary>Kinds a plan names under <c>databases</c>.</summary>
    public static bool IsDatabase(string? kind) => kind is Postgres or Mysql or Sqlite or Command;
}

/// <summary>
/// An entry of a host's allowlist as the agent reports it in its hello: its name and kind, and (<see cref="Problem"/> set)
/// why the agent will not run it (an unsafe file, a bad entry). Never its command line.
/// </summary>
public sealed record AllowedEntry(string Name, string Kind, string? Problem = null);

/// <summary>One hook's run: its exit code (null: killed at its timeout, or never started), how long, and its output's tail.</summary>
public sealed record HookRun(string Name, string Phase, int? ExitCode, long DurationMs, string? OutputTail, bool TimedOut = false);

/// <summary>A database source's dump: the snapshot it became (null: none was kept) and the bytes streamed into restic.</summary>
public sealed record DumpResult(string Name, string Filename, string? SnapshotId, long Bytes);
