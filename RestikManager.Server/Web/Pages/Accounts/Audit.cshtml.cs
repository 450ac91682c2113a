using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Audit;
using RestikManager.Server.Web.Components;

namespace RestikManager.Server.Web.Pages.Accounts;

/// <summary>The audit trail, newest first, filtered by actor and action, and whether its hash chain verifies.</summary>
[Authorize(Policy = Roles.CanAdminister)]
internal sealed class AuditModel(AuditLog audit) : PageModel
{
    public const int PageSize = 100;

    [BindProperty(SupportsGet = true)] public string? Actor { get; set; }

    [BindProperty(SupportsGet = true)] public string? Action { get; set; }

    [BindProperty(Name = "p", SupportsGet = true)] public int PageNumber { get; set; } = 1;

    public IReadOnlyList<AuditEntry> Entries { get; private set; } = [];

    public int Matching { get; private set; }

    public int Total { get; private set; }

    /// <summary>The first entry whose chain does not verify, or null when the whole log verifies.</summary>
    public long? BrokenAt { get; private set; }

    public int PageCount => Math.Max(1, (Matching + PageSize - 1) / PageSize);

    public Pager Pager => Pager.Of(Matching, "entries", PageNumber, PageSize, PageLink);

    public void OnGet()
    {
        IReadOnlyList<AuditEntry> all = [];
        BrokenAt = audit.Verify(out all);
        Total = all.Count;
        var matching = all.Reverse()
            .Where(e => string.IsNullOrWhiteSpace(Actor) || e.Actor.Contains(Actor.Trim(), StringComparison.OrdinalIgnoreCase))
            .Where(e => string.IsNullOrWhiteSpace(Action) || e.Action.StartsWith(Action.Trim(), StringComparison.OrdinalIgnoreCase))
            .ToList();
        Matching = matching.Count;
        PageNumber = Math.Clamp(PageNumber, 1, PageCount);
        Entries = [.. matching.Skip((PageNumber - 1) * PageSize).Take(PageSize)];
    }

    public string PageLink(int page) => "/audit" + QueryString.Create(new Dictionary<string, string?>
    {
        ["actor"] = Actor, ["action"] = Action, ["p"] = page.ToString(CultureInfo.InvariantCulture),
    }.Where(p => !string.IsNullOrEmpty(p.Value))).ToUriComponent();
}
