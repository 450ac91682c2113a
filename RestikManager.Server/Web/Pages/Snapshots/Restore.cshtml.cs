using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;
using RestikManager.Server.Api;
using RestikManager.Server.Jobs;
using RestikManager.Server.Repositories;
using RestikManager.Server.Snapshots;

namespace RestikManager.Server.Web.Pages.Snapshots;

/// <summary>
/// Restore a file, a folder or the whole snapshot to any online host and a target directory; the job is then followed
/// live on its page. The form names the snapshot it restores from.
/// </summary>
[Authorize(Policy = Roles.CanOperate)]
internal sealed class RestoreModel(
    RepositoryStore repositories, SnapshotCache cache, AgentStore agents, AgentConnections connections, ManualJobs manual) : PageModel
{
    /// <summary>What to restore, a path inside the snapshot ("/" for all of it).</summary>
    [BindProperty(SupportsGet = true)] public string? Path { get; set; }

    [BindProperty] public string? Host { get; set; }

    [BindProperty] public string? Target { get; set; }

    /// <summary>Put the folder's contents straight into the target, instead of under its original path.</summary>
    [BindProperty] public bool ContentsOnly { get; set; }

    /// <summary>Instead of a target: the restore command (an allowlist name on the host) the dump is streamed into.</summary>
    [BindProperty] public string? RestoreCommand { get; set; }

    /// <summary>The restore commands online hosts allow, each with the hosts that allow it.</summary>
    public IReadOnlyList<(string Name, string Hosts)> RestoreCommands => _restoreCommands ??=
        [.. OnlineHosts.SelectMany(h => (h.Allowed ?? []).Where(e => e.Kind == AllowlistKinds.RestoreCommand && e.Problem is null).Select(e => (e.Name, h.Hostname)))
            .GroupBy(e => e.Name).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, string.Join(", ", g.Select(e => e.Hostname))))];

    private IReadOnlyList<(string Name, string Hosts)>? _restoreCommands;

    public RepositoryRecord Repository { get; private set; } = null!;

    public SnapshotView Snapshot { get; private set; } = null!;

    public IReadOnlyList<AgentRecord> OnlineHosts { get; private set; } = [];

    public Refusal? Refusal { get; private set; }

    public string? ErrorFor(string field) => Refusal?.For(field);

    public IActionResult OnGet(string repositoryId, string snapshotId)
    {
        if (!Load(repositoryId, snapshotId))
        {
            return NotFound();
        }

        Host ??= OnlineHosts.FirstOrDefault(h => h.Hostname.Equals(Snapshot.Hostname, StringComparison.OrdinalIgnoreCase))?.Id;
        return Page();
    }

    public IActionResult OnPost(string repositoryId, string snapshotId)
    {
        if (!Load(repositoryId, snapshotId))
        {
            return NotFound();
        }

        var path = string.IsNullOrWhiteSpace(Path) || Path.Trim() == "/" ? null : Path.Trim();
        var command = string.IsNullOrWhiteSpace(RestoreCommand) ? null : RestoreCommand.Trim();
        var (job, refusal) = manual.Start(new StartJobRequest(JobKinds.Restore, null, repositoryId, string.IsNullOrEmpty(Host) ? null : Host,
            Snapshot.Id, path, command is not null || string.IsNullOrWhiteSpace(Target) ? null : Target.Trim(),
            command is null && path is not null && ContentsOnly ? true : null, command), User.Actor());
        if (refusal is not null)
        {
            Refusal = refusal;
            Response.StatusCode = refusal.Status;
            return Page();
        }

        return Redirect($"/jobs/{job!.Id}");
    }

    private bool Load(string repositoryId, string snapshotId)
    {
        if (repositories.Find(repositoryId) is not { } repository || cache.Find(repositoryId, snapshotId) is not { } snapshot)
        {
            return false;
        }

        (Repository, Snapshot) = (repository, snapshot);
        Path = string.IsNullOrWhiteSpace(Path) ? "/" : Path;
        OnlineHosts = [.. agents.List().Where(a => a.RevokedAt is null && connections.IsOnline(a.Id)).OrderBy(a => a.Hostname, StringComparer.OrdinalIgnoreCase)];
        return true;
    }
}
