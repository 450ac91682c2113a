namespace RestikManager.Server.Alerts;

/// <summary>
/// What to watch and whom to tell: <see cref="Events"/> for the plans, hosts and labels named (an empty list is
/// everything), sent to <see cref="Channels"/>. <see cref="RemindEveryMinutes"/> 0 means never remind.
/// </summary>
internal sealed record AlertRule(
    string Id, string Name, IReadOnlyList<string> Events, IReadOnlyList<string> Plans, IReadOnlyList<string> Hosts,
    IReadOnlyList<string> Labels, IReadOnlyList<string> Channels, int OfflineAfterMinutes, int OverdueGraceMinutes,
    int RemindEveryMinutes, bool Enabled, string CreatedAt, string UpdatedAt)
{
    public const int DefaultOfflineAfterMinutes = 15;

    /// <summary>Whether the rule watches <paramref name="agentId"/> (with its label) by its hosts and labels.</summary>
    public bool CoversHost(string agentId, string? label) =>
        (Hosts.Count == 0 || Hosts.Contains(agentId)) && (Labels.Count == 0 || (label is not null && Labels.Contains(label)));

    public bool CoversPlan(string planId) => Plans.Count == 0 || Plans.Contains(planId);
}
