using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Plans;
using RestikManager.Server.Repositories;
using RestikManager.Server.Snapshots;
using RestikManager.Server.Web.Components;

namespace RestikManager.Server.Web.Pages.Snapshots;

/// <summary>A repository's snapshots, newest first, filtered by host, plan and tag; Refresh asks restic again.</summary>
[Authorize(Policy = Roles.CanView)]
internal sealed class RepositoryModel(RepositoryStore repositories, SnapshotCache cache, SnapshotService snapshots, PlanStore plans) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Host { get; set; }

    [BindProperty(SupportsGet = true)] public string? Plan { get; set; }

    [BindProperty(SupportsGet = true)] public string? Tag { get; set; }

    public RepositoryRecord Repository { get; private set; } = null!;

    public IReadOnlyList<SnapshotView> Snapshots { get; private set; } = [];

    public IReadOnlyList<Plan> Plans { get; private set; } = [];

    public string? RefreshedAt { get; private set; }

    public string? RefreshError { get; private set; }

    public bool Filtered => new[] { Host, Plan, Tag }.Any(v => !string.IsNullOrWhiteSpace(v));

    public IActionResult OnGet(string repositoryId)
    {
        if (repositories.Find(repositoryId) is not { } repository)
        {
            return NotFound();
        }

        Repository = repository;
        Plans = plans.OfRepository(repositoryId);
        (RefreshedAt, RefreshError) = cache.LastRefresh(repositoryId);
        var tag = string.IsNullOrWhiteSpace(Tag) ? null : Tag.Trim();
        Snapshots = [.. cache.List(repositoryId, FormValues.Blank(Host), FormValues.Blank(Plan)).Where(s => tag is null || s.Tags.Contains(tag)).OrderByDescending(s => s.Time, StringComparer.Ordinal)];
        return Page();
    }

    [Requires(Roles.CanOperate)]
    public async Task<IActionResult> OnPostRefreshAsync(string repositoryId, CancellationToken cancellationToken)
    {
        if (repositories.Find(repositoryId) is null)
        {
            return NotFound();
        }

        var error = snapshots.PickAgent(repositoryId, null) is { } agent
            ? await snapshots.RefreshAsync(repositoryId, agent, cancellationToken)
            : SnapshotService.Offline(null).Message;
        var result = OnGet(repositoryId);
        RefreshError = error ?? RefreshError;
        return result;
    }

}
