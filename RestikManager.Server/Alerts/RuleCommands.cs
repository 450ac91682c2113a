using RestikManager.Server.Agents;
using RestikManager.Server.Api;
using RestikManager.Server.Audit;
using RestikManager.Server.Plans;

namespace RestikManager.Server.Alerts;

/// <summary>
/// Create or change an alert rule; what a change leaves out stays as it is. <see cref="Hosts"/> take ids or hostnames
/// (stored as ids); an empty <see cref="Plans"/>, <see cref="Hosts"/> or <see cref="Labels"/> is everything.
/// <see cref="RemindEveryMinutes"/> 0 is never. <see cref="Events"/> left out on create watches all but agent_outdated.
/// </summary>
internal sealed record RuleRequest(
    string? Name, List<string?>? Events = null, List<string?>? Plans = null, List<string?>? Hosts = null, List<string?>? Labels = null,
    List<string?>? Channels = null, int? OfflineAfterMinutes = null, int? OverdueGraceMinutes = null, int? RemindEveryMinutes = null,
    bool? Enabled = null);

/// <summary>Rules for the API and the page alike: checked at the edge (a refusal changes nothing), saved, audited.</summary>
internal sealed class RuleCommands(RuleStore store, ChannelStore channels, PlanStore plans, AgentStore agents, AlertSignal signal, AuditLog audit)
{
    private const string Code = "invalid_rule";
    private const int Week = 7 * 24 * 60;

    public (AlertRule? Saved, Refusal? Refusal) Create(RuleRequest request, string actor) => Save(null, request, actor);

    public (AlertRule? Saved, Refusal? Refusal) Update(AlertRule existing, RuleRequest request, string actor) => Save(existing, request, actor);

    public void Delete(AlertRule existing, string actor)
    {
        store.Delete(existing.Id);
        audit.Append(actor, "rule.delete", $"rule:{existing.Name}", detail: existing.Id);
        signal.Nudge();
    }

    private (AlertRule?, Refusal?) Save(AlertRule? existing, RuleRequest r, string actor)
    {
        var name = r.Name?.Trim();
        if ((existing is null || r.Name is not null) && (string.IsNullOrEmpty(name) || name.Length > 100 || name.Any(char.IsControl)))
        {
            return Refuse("name", "name: give the rule a name of 1 to 100 characters.");
        }

        if (name is not null && store.NameTaken(name, existing?.Id))
        {
            return (null, new Refusal(StatusCodes.Status409Conflict, "name_taken", $"name: a rule named '{name}' exists already."));
        }

        if (r.Events is { Count: 0 })
        {
            return Refuse("events", $"events: name one or more of {string.Join(", ", AlertEvents.All)} (leave it out for all but agent_outdated).");
        }

        if (r.Events?.Find(e => e is null || !AlertEvents.All.Contains(e)) is var unknown && r.Events?.Exists(e => e is null || !AlertEvents.All.Contains(e)) == true)
        {
            return Refuse("events", $"events: '{unknown ?? "null"}' is not an event; one of {string.Join(", ", AlertEvents.All)}.");
        }

        if (Missing(r.Plans, id => plans.Find(id) is not null) is { } plan)
        {
            return Refuse("plans", $"plans: no plan with id '{plan}'.");
        }

        var hostIds = new List<string>();
        foreach (var host in r.Hosts ?? [])
        {
            if (host is null || agents.Resolve(host) is not { } agent)
            {
                return Refuse("hosts", $"hosts: no enrolled host '{host ?? "null"}' (give ids or hostnames).");
            }

            hostIds.Add(agent.Id);
        }

        if (r.Labels?.Exists(l => string.IsNullOrWhiteSpace(l) || l.Length > 64 || l.Any(char.IsControl)) == true)
        {
            return Refuse("labels", "labels: each a host label of 1 to 64 printable characters.");
        }

        if (Missing(r.Channels, id => channels.Find(id) is not null) is { } channel)
        {
            return Refuse("channels", $"channels: no notification channel with id '{channel}'.");
        }

        if (r.OfflineAfterMinutes is < 0 or > Week)
        {
            return Refuse("offlineAfterMinutes", $"offlineAfterMinutes: 0 to {Week} minutes (default {AlertRule.DefaultOfflineAfterMinutes}).");
        }

        if (r.OverdueGraceMinutes is < 0 or > Week)
        {
            return Refuse("overdueGraceMinutes", $"overdueGraceMinutes: 0 to {Week} minutes (default 0).");
        }

        if (r.RemindEveryMinutes is < 0 or > 4 * Week)
        {
            return Refuse("remindEveryMinutes", $"remindEveryMinutes: 0 (never) to {4 * Week} minutes.");
        }

        var rule = new AlertRule(existing?.Id ?? "", name ?? existing!.Name,
            r.Events is null ? existing?.Events ?? AlertEvents.Default : [.. r.Events.Distinct()!],
            r.Plans is null ? existing?.Plans ?? [] : [.. r.Plans.Distinct()!],
            r.Hosts is null ? existing?.Hosts ?? [] : [.. hostIds.Distinct()],
            r.Labels is null ? existing?.Labels ?? [] : [.. r.Labels.Select(l => l!.Trim()).Distinct()],
            r.Channels is null ? existing?.Channels ?? [] : [.. r.Channels.Distinct()!],
            r.OfflineAfterMinutes ?? existing?.OfflineAfterMinutes ?? AlertRule.DefaultOfflineAfterMinutes,
            r.OverdueGraceMinutes ?? existing?.OverdueGraceMinutes ?? 0,
            r.RemindEveryMinutes ?? existing?.RemindEveryMinutes ?? 0,
            r.Enabled ?? existing?.Enabled ?? true, "", "");
        var saved = store.Save(rule);
        audit.Append(actor, existing is null ? "rule.create" : "rule.update", $"rule:{saved.Name}", detail: string.Join(",", saved.Events));
        signal.Nudge();
        return (saved, null);
    }

    /// <summary>The first of <paramref name="ids"/> that does not exist ("null" for a null entry), or null when all do.</summary>
    private static string? Missing(List<string?>? ids, Func<string, bool> exists)
    {
        foreach (var id in ids ?? [])
        {
            if (id is null || !exists(id))
            {
                return id ?? "null";
            }
        }

        return null;
    }

    private static (AlertRule?, Refusal?) Refuse(string field, string message) => (null, Refusal.Invalid(Code, field, message));
}
