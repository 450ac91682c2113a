using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Plans;
using RestikManager.Server.Repositories;
using RestikManager.Server.Snapshots;

namespace RestikManager.Server.Web.Pages.Repositories;

/// <summary>Every repository: its URL, the plans that use it, and its snapshots when they are known.</summary>
[Authorize(Policy = Roles.CanView)]
internal sealed class IndexModel(RepositoryStore repositories, PlanStore plans, SnapshotCache snapshots) : PageModel
{
    public sealed record Row(RepositoryView Repository, IReadOnlyList<Plan> Plans, int? Snapshots);

    public IReadOnlyList<Row> Rows { get; private set; } = [];

    public void OnGet()
    {
        var byRepository = plans.List().ToLookup(p => p.RepositoryId);
        Rows = [.. repositories.List().Select(r => new Row(RepositoriesApi.View(r, repositories), [.. byRepository[r.Id]],
            snapshots.LastRefresh(r.Id).RefreshedAt is null ? null : snapshots.List(r.Id, null, null).Count))];
    }
}
