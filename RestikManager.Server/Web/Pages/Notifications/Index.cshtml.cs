using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Alerts;
using RestikManager.Server.Web.Components;

namespace RestikManager.Server.Web.Pages.Notifications;

/// <summary>
/// Alerts at a glance: incidents (firing first) with their deliveries, the channels with their newest delivery and a
/// Send test button, and the rules.
/// </summary>
[Authorize(Policy = Roles.CanView)]
internal sealed class IndexModel(AlertViews views, RuleStore rules, ChannelStore channels, IncidentStore incidents, ChannelCommands commands)
    : PageModel
{
    public const int PageSize = 50;

    public IReadOnlyList<AlertView> Firing { get; private set; } = [];

    public IReadOnlyList<AlertView> Resolved { get; private set; } = [];

    public Pager? ResolvedPager { get; private set; }

    public IReadOnlyList<ChannelView> Channels { get; private set; } = [];

    public IReadOnlyList<AlertRule> Rules { get; private set; } = [];

    public IReadOnlyDictionary<string, string> ChannelNames { get; private set; } = new Dictionary<string, string>();

    /// <summary>The outcome of Send test: the channel's name and the error (null: delivered).</summary>
    public (string Channel, string? Error)? Tested { get; private set; }

    public void OnGet(int p = 1) => Load(p);

    [Requires(Roles.CanAdminister)]
    public async Task<IActionResult> OnPostTestAsync(string channel, CancellationToken cancellationToken)
    {
        if (channels.Find(channel) is not { } found)
        {
            return NotFound();
        }

        Tested = (found.Name, await commands.TestAsync(found, User.Actor(), cancellationToken));
        Load(1);
        return Page();
    }

    private void Load(int page)
    {
        page = Math.Max(1, page);
        Firing = views.Alerts(AlertStates.Firing, 0, 500);
        Resolved = views.Alerts(AlertStates.Resolved, (page - 1) * PageSize, PageSize);
        ResolvedPager = Pager.Of(incidents.Count(AlertStates.Resolved), "resolved incidents", page, PageSize, n => $"/notifications?p={n}");
        Channels = views.Channels();
        Rules = rules.List();
        ChannelNames = Channels.ToDictionary(c => c.Id, c => c.Name);
    }
}
