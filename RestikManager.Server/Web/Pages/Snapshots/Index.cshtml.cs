using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Repositories;
using RestikManager.Server.Snapshots;

namespace RestikManager.Server.Web.Pages.Snapshots;

/// <summary>Snapshots start from a repository: each with how many snapshots it holds (when known).</summary>
[Authorize(Policy = Roles.CanView)]
internal sealed class IndexModel(RepositoryStore repositories, SnapshotCache snapshots) : PageModel
{
    /// <summary>Carried to the repository's page as its host filter (from a host's page).</summary>
    [Microsoft.AspNetCore.Mvc.BindProperty(SupportsGet = true)] public string? Host { get; set; }

    public IReadOnlyList<(RepositoryRecord Repository, int? Count, string? RefreshedAt)> Repositories { get; private set; } = [];

    public void OnGet() => Repositories = [.. repositories.List().Select(r =>
    {
        var (at, _) = snapshots.LastRefresh(r.Id);
        return (r, at is null ? (int?)null : snapshots.List(r.Id, Host, null).Count, at);
    })];
}
