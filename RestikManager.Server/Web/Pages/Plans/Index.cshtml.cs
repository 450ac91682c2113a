using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Contracts.Schedules;
using RestikManager.Server.Accounts;
using RestikManager.Server.Plans;
using RestikManager.Server.Repositories;

namespace RestikManager.Server.Web.Pages.Plans;

/// <summary>Every plan: where it backs up to, whom, when it runs next, and Run now.</summary>
[Authorize(Policy = Roles.CanView)]
internal sealed class IndexModel(PlanStore plans, RepositoryStore repositories, PlanDistributor distributor, TimeProvider time) : PageModel
{
    public sealed record Row(Plan Plan, string RepositoryName, int HostCount, string? NextRun);

    public IReadOnlyList<Row> Rows { get; private set; } = [];

    public bool HasRepositories { get; private set; }

    public void OnGet()
    {
        var names = repositories.List().ToDictionary(r => r.Id, r => r.Name);
        HasRepositories = names.Count > 0;
        var now = time.GetUtcNow();
        Rows = [.. plans.List().Select(p => new Row(p, names.GetValueOrDefault(p.RepositoryId, "(deleted)"), distributor.HostsOf(p).Count,
            p.Enabled && p.Schedule?.NextAfter(now) is { } next
                ? next.ToUniversalTime().ToString("O") : null))];
    }
}
