using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using RestikManager.Server.Agents;
using RestikManager.Server.Plans;
using RestikManager.Server.Repositories;

namespace RestikManager.Server.Alerts;

/// <summary>
/// A channel as the API shows it: the kind's settings, its secrets by name only, its newest delivery, and whether it is
/// failing (<see cref="FailedInARow"/> of its newest deliveries were marked failed, at least
/// <see cref="AlertOptions.ChannelFailingAfter"/>).
/// </summary>
internal sealed record ChannelView(
    string Id, string Name, string Kind,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? UrlHost,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Topic,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SmtpHost,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? SmtpPort,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Security,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Username,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? From,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? To,
    IReadOnlyList<string> Secrets, DeliveryView? LastDelivery, bool Failing, long FailedInARow, string CreatedAt, string UpdatedAt);

/// <summary>One message to one channel: pending (with its next attempt), delivered, or failed (after its attempts).</summary>
internal sealed record DeliveryView(
    string Id, AlertRef Channel, string State, string Status, long Attempts, string? LastError, string CreatedAt, string? DeliveredAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextAttemptAt);

/// <summary>A rule as the API shows it (hosts by id).</summary>
internal sealed record RuleView(
    string Id, string Name, IReadOnlyList<string> Events, IReadOnlyList<string> Plans, IReadOnlyList<string> Hosts, IReadOnlyList<string> Labels,
    IReadOnlyList<string> Channels, int OfflineAfterMinutes, int OverdueGraceMinutes, int RemindEveryMinutes, bool Enabled, string CreatedAt, string UpdatedAt);

/// <summary>An incident with its deliveries.</summary>
internal sealed record AlertView(
    string Id, string Event, string State, AlertRef Rule, AlertRef? Host, AlertRef? Plan, AlertRef? Repository, AlertRef? Job,
    string Message, string FiredAt, string? ResolvedAt, long Reminders, IReadOnlyList<DeliveryView> Deliveries);

/// <summary>Builds the views, naming what ids point at (from one read of each list).</summary>
internal sealed class AlertViews(
    ChannelStore channels, IncidentStore incidents, AgentStore agents, PlanStore plans, RepositoryStore repositories, IOptions<AlertOptions> options)
{
    public IReadOnlyList<ChannelView> Channels()
    {
        var last = incidents.LastDeliveries();
        var runs = incidents.ChannelRuns();
        var list = channels.List();
        var names = list.ToDictionary(c => c.Id, c => c.Name);
        return [.. list.Select(c => Channel(c, last.GetValueOrDefault(c.Id), runs.GetValueOrDefault(c.Id), names))];
    }

    public ChannelView Channel(Channel channel) =>
        Channel(channel, incidents.LastDeliveries().GetValueOrDefault(channel.Id), incidents.ChannelRuns().GetValueOrDefault(channel.Id),
            new() { [channel.Id] = channel.Name });

    public static RuleView Rule(AlertRule r) => new(r.Id, r.Name, r.Events, r.Plans, r.Hosts, r.Labels, r.Channels, r.OfflineAfterMinutes,
        r.OverdueGraceMinutes, r.RemindEveryMinutes, r.Enabled, r.CreatedAt, r.UpdatedAt);

    public IReadOnlyList<AlertView> Alerts(string? state, int offset, int limit)
    {
        var list = incidents.List(state, offset, limit);
        if (list.Count == 0)
        {
            return [];
        }

        var deliveries = incidents.DeliveriesOf([.. list.Select(i => i.Id)]);
        var channelNames = channels.List().ToDictionary(c => c.Id, c => c.Name);
        var hostNames = agents.List().ToDictionary(a => a.Id, a => a.Hostname);
        var planNames = plans.List().ToDictionary(p => p.Id, p => p.Name);
        var repositoryNames = repositories.List().ToDictionary(r => r.Id, r => r.Name);
        return [.. list.Select(i => new AlertView(i.Id, i.Event, i.State, new AlertRef(i.RuleId, i.RuleName),
            Ref(i.AgentId, hostNames), Ref(i.PlanId, planNames), Ref(i.RepositoryId, repositoryNames),
            i.JobId is null ? null : new AlertRef(i.JobId, AlertEvents.JobName(i.Event)),
            i.Message, i.FiredAt, i.ResolvedAt, i.Reminders, [.. deliveries[i.Id].Select(d => Delivery(d, channelNames))]))];
    }

    public static DeliveryView Delivery(Delivery d, IReadOnlyDictionary<string, string> channelNames) => new(
        d.Id, new AlertRef(d.ChannelId, channelNames.GetValueOrDefault(d.ChannelId, "(deleted)")), d.State, d.Status, d.Attempts, d.LastError,
        d.CreatedAt, d.DeliveredAt, d.Status == AlertStates.Pending ? d.NextAttemptAt : null);

    private ChannelView Channel(Channel c, Delivery? last, ChannelRun? run, Dictionary<string, string> names)
    {
        var s = c.Settings;
        return new ChannelView(c.Id, c.Name, c.Kind, s.UrlHost, s.Topic, s.SmtpHost,
            c.Kind == ChannelKinds.Email ? s.SmtpPort ?? EmailSecurity.DefaultPort(s.Security ?? "") : null, s.Security, s.Username, s.From, s.To,
            channels.SecretNames(c.Id), last is null ? null : Delivery(last, names), run?.IsFailing(options.Value.ChannelFailingAfter) == true, run?.FailedInARow ?? 0,
            c.CreatedAt, c.UpdatedAt);
    }

    private static AlertRef? Ref(string? id, Dictionary<string, string> names) => id is null ? null : new AlertRef(id, names.GetValueOrDefault(id, id));
}
