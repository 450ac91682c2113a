using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Repositories;
using RestikManager.Server.Snapshots;

namespace RestikManager.Server.Web.Pages.Snapshots;

/// <summary>One directory of a snapshot, a page at a time (a large directory is never read whole), with Restore links.</summary>
[Authorize(Policy = Roles.CanView)]
internal sealed class BrowseModel(RepositoryStore repositories, SnapshotCache cache, SnapshotService snapshots) : PageModel
{
    public const int PageSize = 100;

    [BindProperty(SupportsGet = true)] public string? Path { get; set; }

    /// <summary>The first entry of the page.</summary>
    [BindProperty(Name = "o", SupportsGet = true)] public int Offset { get; set; }

    public RepositoryRecord Repository { get; private set; } = null!;

    public SnapshotView? Snapshot { get; private set; }

    public TreePage? Tree { get; private set; }

    public string? Problem { get; private set; }

    public async Task<IActionResult> OnGetAsync(string repositoryId, string snapshotId, CancellationToken cancellationToken)
    {
        if (repositories.Find(repositoryId) is not { } repository)
        {
            return NotFound();
        }

        Repository = repository;
        Path = string.IsNullOrEmpty(Path) ? "/" : Path;
        var (tree, refusal) = await snapshots.BrowseAsync(repositoryId, snapshotId, Path, Math.Max(0, Offset), PageSize, null, cancellationToken);
        Tree = tree;
        Snapshot = cache.Find(repositoryId, snapshotId);
        if (refusal is not null)
        {
            Problem = refusal.Message;
            Response.StatusCode = refusal.Status;
        }

        return Page();
    }

    /// <summary>Each directory from the root down to <see cref="Path"/>, with its path: the breadcrumb.</summary>
    public IEnumerable<(string Name, string Path)> Crumbs()
    {
        yield return ("/", "/");
        var at = "";
        foreach (var part in (Path ?? "/").Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            at += "/" + part;
            yield return (part, at);
        }
    }

    public string Link(string path, int offset = 0) =>
        $"/snapshots/{Repository.Id}/{Tree?.SnapshotId ?? Snapshot?.Id}?path={Uri.EscapeDataString(path)}{(offset > 0 ? $"&o={offset}" : "")}";

    public string RestoreLink(string path) =>
        $"/snapshots/{Repository.Id}/{Tree?.SnapshotId ?? Snapshot?.Id}/restore?path={Uri.EscapeDataString(path)}";
}
