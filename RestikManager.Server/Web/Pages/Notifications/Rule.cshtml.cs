using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;
using RestikManager.Server.Alerts;
using RestikManager.Server.Api;
using RestikManager.Server.Plans;
using RestikManager.Server.Web.Components;

namespace RestikManager.Server.Web.Pages.Notifications;

/// <summary>One alert rule (<c>/notifications/rules/new</c> defines one): events, what it watches, whom it tells, its timings.</summary>
[Authorize(Policy = Roles.CanView)]
internal sealed class RuleModel(RuleStore store, RuleCommands commands, ChannelStore channels, PlanStore plans, AgentStore agents) : PageModel
{
    public const string New = "new";

    [BindProperty] public string? Name { get; set; }

    [BindProperty] public List<string> Events { get; set; } = [];

    [BindProperty] public List<string> Plans { get; set; } = [];

    [BindProperty] public List<string> Hosts { get; set; } = [];

    /// <summary>Labels separated by commas.</summary>
    [BindProperty] public string? Labels { get; set; }

    [BindProperty] public List<string> Channels { get; set; } = [];

    [BindProperty] public string? OfflineAfterMinutes { get; set; }

    [BindProperty] public string? OverdueGraceMinutes { get; set; }

    [BindProperty] public string? RemindEveryMinutes { get; set; }

    [BindProperty] public bool Enabled { get; set; } = true;

    public string Id { get; private set; } = New;

    public AlertRule? Existing { get; private set; }

    public Refusal? Refusal { get; private set; }

    public IReadOnlyList<Channel> AllChannels { get; private set; } = [];

    public IReadOnlyList<Plan> AllPlans { get; private set; } = [];

    public IReadOnlyList<AgentRecord> AllHosts { get; private set; } = [];

    public bool IsNew => Existing is null;

    public string? ErrorFor(string field) => Refusal?.For(field);

    public IActionResult OnGet(string id)
    {
        if (!Load(id))
        {
            return NotFound();
        }

        var rule = Existing;
        Name = rule?.Name;
        Events = [.. rule?.Events ?? AlertEvents.Default];
        Plans = [.. rule?.Plans ?? []];
        Hosts = [.. rule?.Hosts ?? []];
        Labels = rule is null ? null : string.Join(", ", rule.Labels);
        Channels = [.. rule?.Channels ?? []];
        OfflineAfterMinutes = (rule?.OfflineAfterMinutes ?? AlertRule.DefaultOfflineAfterMinutes).ToString(System.Globalization.CultureInfo.InvariantCulture);
        OverdueGraceMinutes = (rule?.OverdueGraceMinutes ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
        RemindEveryMinutes = (rule?.RemindEveryMinutes ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Enabled = rule?.Enabled ?? true;
        return Page();
    }

    [Requires(Roles.CanAdminister)]
    public IActionResult OnPost(string id)
    {
        if (!Load(id))
        {
            return NotFound();
        }

        // The form always posts every field: lists are replaced (an empty one is "everything"), numbers that do not parse are refused.
        var request = new RuleRequest(Name, [.. Events], [.. Plans], [.. Hosts],
            [.. (Labels ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)], [.. Channels],
            Minutes(OfflineAfterMinutes), Minutes(OverdueGraceMinutes), Minutes(RemindEveryMinutes), Enabled);
        var (saved, refusal) = IsNew ? commands.Create(request, User.Actor()) : commands.Update(Existing!, request, User.Actor());
        if (refusal is not null)
        {
            Refusal = refusal;
            Response.StatusCode = refusal.Status;
            return Page();
        }

        return Redirect($"/notifications/rules/{saved!.Id}");
    }

    [Requires(Roles.CanAdminister)]
    public IActionResult OnPostDelete(string id)
    {
        if (!Load(id) || IsNew)
        {
            return NotFound();
        }

        commands.Delete(Existing!, User.Actor());
        return Redirect("/notifications");
    }

    private static int? Minutes(string? text) =>
        FormValues.Blank(text) is not { } value ? null : int.TryParse(value, out var minutes) ? minutes : -1;

    private bool Load(string id)
    {
        Id = id;
        Existing = id == New ? null : store.Find(id);
        AllChannels = channels.List();
        AllPlans = plans.List();
        AllHosts = [.. agents.List().Where(a => a.RevokedAt is null).OrderBy(a => a.Hostname, StringComparer.OrdinalIgnoreCase)];
        return id == New || Existing is not null;
    }
}
