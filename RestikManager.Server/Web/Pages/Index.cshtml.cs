using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;
using RestikManager.Server.Plans;
using RestikManager.Server.Protection;
using RestikManager.Server.Web.Components;

namespace RestikManager.Server.Web.Pages;

/// <summary>The hosts page: every live host's protection verdict, worst first, searchable, filtered and paged.</summary>
[Authorize(Policy = Roles.CanView)]
internal sealed class IndexModel(ProtectionReport report, AgentStore agents, PlanStore plans) : PageModel
{
    public const int PageSize = 50;

    /// <summary>Part of a hostname or label.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    /// <summary>Only this verdict (its lower-case name).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Verdict { get; set; }

    /// <summary>Only "online" or "offline" hosts.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    [BindProperty(Name = "p", SupportsGet = true)]
    public int PageNumber { get; set; } = 1;

    /// <summary>The hosts on this page.</summary>
    public IReadOnlyList<HostProtection> Hosts { get; private set; } = [];

    /// <summary>Live hosts in all (before filters).</summary>
    public int Total { get; private set; }

    /// <summary>Hosts the filters leave.</summary>
    public int Matching { get; private set; }

    public int PageCount => Math.Max(1, (Matching + PageSize - 1) / PageSize);

    public Pager Pager => Pager.Of(Matching, "hosts", PageNumber, PageSize, PageLink);

    /// <summary>How many hosts have each verdict, worst first; verdicts no host has are left out.</summary>
    public IReadOnlyList<(Verdict Verdict, int Count)> Counts { get; private set; } = [];

    public void OnGet()
    {
        var all = report.Hosts(agents.List(), plans.List());
        Total = all.Count;
        Counts = [.. all.GroupBy(h => h.Verdict).OrderBy(g => g.Key).Select(g => (g.Key, g.Count()))];
        var q = Q?.Trim();
        var matching = all
            .Where(h => string.IsNullOrEmpty(q) || h.Host.Hostname.Contains(q, StringComparison.OrdinalIgnoreCase)
                || (h.Host.Label?.Contains(q, StringComparison.OrdinalIgnoreCase) ?? false))
            .Where(h => string.IsNullOrEmpty(Verdict) || h.Verdict.ToString().Equals(Verdict, StringComparison.OrdinalIgnoreCase))
            .Where(h => string.IsNullOrEmpty(Status) || h.Host.Status == Status)
            .ToList();
        Matching = matching.Count;
        PageNumber = Math.Clamp(PageNumber, 1, PageCount);

        // Worst first, so the hosts that need attention lead a long list; by name within a verdict.
        Hosts = [.. matching.OrderBy(h => h.Verdict).ThenBy(h => h.Host.Hostname, StringComparer.OrdinalIgnoreCase)
            .Skip((PageNumber - 1) * PageSize).Take(PageSize)];
    }

    /// <summary>This page's address with <paramref name="page"/> and the current filters.</summary>
    public string PageLink(int page) => "/" + QueryString.Create(new Dictionary<string, string?>
    {
        ["q"] = Q, ["verdict"] = Verdict, ["status"] = Status, ["p"] = page.ToString(System.Globalization.CultureInfo.InvariantCulture),
    }.Where(p => !string.IsNullOrEmpty(p.Value))).ToUriComponent();
}
