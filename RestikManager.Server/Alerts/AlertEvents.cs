namespace RestikManager.Server.Alerts;

/// <summary>What a rule can watch. Each is evaluated on the server; an incident fires once and resolves once.</summary>
internal static class AlertEvents
{
    /// <summary>A plan's newest backup on a host failed, was interrupted or was cancelled.</summary>
    public const string BackupFailed = "backup_failed";

    /// <summary>A plan's newest backup on a host left files out (restic exit 3).</summary>
    public const string BackupPartial = "backup_partial";

    /// <summary>A plan's scheduled backup on a host was missed (the dashboard's rule, plus the rule's grace).</summary>
    public const string BackupOverdue = "backup_overdue";

    /// <summary>The newest restore drill of a host's data under a plan failed (a file did not come back intact, or none could be restored).</summary>
    public const string DrillFailed = "drill_failed";

    /// <summary>A plan requires drills and no drill of a host's data passed within its window.</summary>
    public const string Unproven = "unproven";

    /// <summary>A plan's newest copy to one of its copy targets failed (subject: the plan and the target).</summary>
    public const string CopyFailed = "copy_failed";

    /// <summary>A host has had no connection for longer than the rule's threshold (never for revoked hosts).</summary>
    public const string HostOffline = "host_offline";

    /// <summary>A repository's newest check failed.</summary>
    public const string CheckFailed = "check_failed";

    /// <summary>A repository's newest prune (or forget with pruning) failed.</summary>
    public const string PruneFailed = "prune_failed";

    /// <summary>A host runs an agent of another version than the server's (off unless a rule names it).</summary>
    public const string AgentOutdated = "agent_outdated";

    /// <summary>
    /// One of a rule's channels is failing (<see cref="AlertOptions.ChannelFailingAfter"/> deliveries in a row marked
    /// failed): told to the rule's other channels, never to the failing one. Every enabled rule watches its own channels;
    /// it is not one of the events a rule chooses.
    /// </summary>
    public const string ChannelFailing = "channel_failing";

    /// <summary>The events a rule may name.</summary>
    public static readonly IReadOnlyList<string> All =
        [BackupFailed, BackupPartial, BackupOverdue, HostOffline, CheckFailed, PruneFailed, AgentOutdated, DrillFailed, Unproven, CopyFailed];

    /// <summary>Every event an incident can be about (what <c>/metrics</c> counts).</summary>
    public static readonly IReadOnlyList<string> Reported = [.. All, ChannelFailing];

    /// <summary>A rule that names no events watches these (all but <see cref="AgentOutdated"/>).</summary>
    public static readonly IReadOnlyList<string> Default = [.. All.Where(e => e != AgentOutdated)];

    /// <summary>Events about one host's plan (subject: the pair).</summary>
    public static bool IsAboutBackups(string name) => name is BackupFailed or BackupPartial or BackupOverdue or DrillFailed or Unproven;

    /// <summary>What the job an incident of <paramref name="name"/> points at is called in messages and views.</summary>
    public static string JobName(string name) =>
        name is DrillFailed or Unproven ? "drill" : name == CopyFailed ? "copy" : IsAboutBackups(name) ? "backup" : name == CheckFailed ? "check" : "prune";

    /// <summary>The channel a <see cref="ChannelFailing"/> incident is about, from its subject; otherwise null.</summary>
    public static string? ChannelOf(string eventName, string subject) =>
        eventName == ChannelFailing && subject.StartsWith("channel:", StringComparison.Ordinal) ? subject["channel:".Length..] : null;

    /// <summary>Events about a repository's health (subject: the repository).</summary>
    public static bool IsAboutRepository(string name) => name is CheckFailed or PruneFailed;
}
