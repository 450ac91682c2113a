using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;
using RestikManager.Server.Api;
using RestikManager.Server.Jobs;
using RestikManager.Server.Plans;
using RestikManager.Server.Repositories;
using RestikManager.Server.Web.Components;

namespace RestikManager.Server.Web.Pages.Repositories;

/// <summary>
/// One repository (<c>/repositories/new</c> defines one): name and URL, the password and backend credentials
/// (write-only: a field left empty keeps what is stored), initialise and check as jobs, delete.
/// </summary>
[Authorize(Policy = Roles.CanView)]
internal sealed class EditModel(
    RepositoryStore store, RepositoryCommands commands, PlanStore plans, AgentStore agents, AgentConnections connections, ManualJobs manual,
    Stats.StatsStore stats, JobViews views)
    : PageModel
{
    public const string New = "new";

    [BindProperty] public string? Name { get; set; }

    [BindProperty] public string? RepositoryUrl { get; set; }

    /// <summary>A new password; empty keeps the stored one (on create it is required).</summary>
    [BindProperty] public string? Password { get; set; }

    /// <summary>A backend credential to set: variable name and value (e.g. AWS_ACCESS_KEY_ID).</summary>
    [BindProperty] public string? CredentialName { get; set; }

    [BindProperty] public string? CredentialValue { get; set; }

    /// <summary>On create: run <c>restic init</c> on <see cref="InitHost"/> (empty: the first online host).</summary>
    [BindProperty] public bool Init { get; set; }

    [BindProperty] public string? InitHost { get; set; }

    /// <summary>On create with init: the repository whose chunker parameters the new one takes (a copy target).</summary>
    [BindProperty] public string? ChunkerParamsFrom { get; set; }

    public IReadOnlyList<RepositoryRecord> AllRepositories { get; private set; } = [];

    /// <summary>What the newest copy into this repository said about chunker parameters (null: nothing to say).</summary>
    public string? ChunkerNote { get; private set; }

    public string Id { get; private set; } = New;

    public RepositoryView? Existing { get; private set; }

    public IReadOnlyList<Plan> Plans { get; private set; } = [];

    public IReadOnlyList<AgentRecord> OnlineHosts { get; private set; } = [];

    /// <summary>The repository's size over time, and each plan's last backups into it (existing repositories).</summary>
    public IReadOnlyList<ChartModel> Charts { get; private set; } = [];

    public Refusal? Refusal { get; private set; }

    public string? JobProblem { get; private set; }

    public bool IsNew => Existing is null;

    public string? ErrorFor(string field) => Refusal?.For(field);

    public IActionResult OnGet(string id)
    {
        if (!Load(id))
        {
            return NotFound();
        }

        ShowExisting();
        return Page();
    }

    [Requires(Roles.CanAdminister)]
    public IActionResult OnPost(string id)
    {
        if (!Load(id))
        {
            return NotFound();
        }

        Dictionary<string, string?>? credentials = string.IsNullOrWhiteSpace(CredentialName) ? null
            : new() { [CredentialName.Trim()] = CredentialValue ?? "" };
        if (IsNew)
        {
            var (saved, initJob, refusal) = commands.Create(
                new RepositoryRequest(Name, RepositoryUrl, Password, credentials, Init ? true : null, Init ? FormValues.Blank(InitHost) : null,
                    Init ? FormValues.Blank(ChunkerParamsFrom) : null), User.Actor());
            return refusal is not null ? Refused(refusal) : Redirect(initJob is not null ? $"/jobs/{initJob}" : $"/repositories/{saved!.Id}");
        }

        var (_, updateRefusal) = commands.Update(store.Find(id)!, new RepositoryRequest(Name, RepositoryUrl, FormValues.Blank(Password), credentials), User.Actor());
        return updateRefusal is not null ? Refused(updateRefusal) : Redirect($"/repositories/{id}");
    }

    /// <summary>Removes one backend credential.</summary>
    [Requires(Roles.CanAdminister)]
    public IActionResult OnPostRemoveCredential(string id, string variable)
    {
        if (store.Find(id) is not { } existing)
        {
            return NotFound();
        }

        var (_, refusal) = commands.Update(existing, new RepositoryRequest(null, null, null, new() { [variable] = null }), User.Actor());
        if (refusal is null)
        {
            return Redirect($"/repositories/{id}");
        }

        Load(id);
        ShowExisting();
        return Refused(refusal);
    }

    /// <summary>Runs <c>restic init</c>, <c>check</c> or <c>unlock</c> on the repository as a job, then shows it.</summary>
    [Requires(Roles.CanOperate)]
    public IActionResult OnPostJob(string id, string kind, string? host)
    {
        if (!Load(id) || IsNew)
        {
            return NotFound();
        }

        (JobRecord? job, Refusal? refusal) = kind is JobKinds.Init or JobKinds.Check or JobKinds.Unlock
            ? manual.Start(new StartJobRequest(kind, null, id, FormValues.Blank(host), null, null, null), User.Actor())
            : (null, Refusal.Invalid("invalid_job", "kind", "kind: init, check or unlock"));
        if (refusal is not null)
        {
            JobProblem = refusal.Message;
            ShowExisting();
            Response.StatusCode = refusal.Status;
            return Page();
        }

        return Redirect($"/jobs/{job!.Id}");
    }

    [Requires(Roles.CanAdminister)]
    public IActionResult OnPostDelete(string id)
    {
        if (!Load(id) || IsNew)
        {
            return NotFound();
        }

        if (commands.Delete(store.Find(id)!, User.Actor()) is { } refusal)
        {
            ShowExisting();
            return Refused(refusal);
        }

        return Redirect("/repositories");
    }

    /// <summary>The form shows the stored name and URL (after an action that posted neither).</summary>
    private void ShowExisting()
    {
        Name = Existing?.Name;
        RepositoryUrl = Existing?.Url;
    }

    private PageResult Refused(Refusal refusal)
    {
        Refusal = refusal;
        Password = null;
        CredentialValue = null;
        Response.StatusCode = refusal.Status;
        return Page();
    }

    private bool Load(string id)
    {
        Id = id;
        Existing = id == New ? null : store.Find(id) is { } r ? RepositoriesApi.View(r, store) : null;
        if (id != New && Existing is null)
        {
            return false;
        }

        Plans = Existing is null ? [] : plans.OfRepository(id);
        AllRepositories = store.List();
        ChunkerNote = Existing is null ? null
            : views.List(null, null, id, JobStatuses.Succeeded, 1, JobKinds.Copy) is [{ Error: { Length: > 0 } said }] ? said : null;
        Charts = Existing is null ? [] :
        [
            ChartModel.Size(id, Stats.StatsApi.View(stats.History(id))),
            .. Plans.Where(p => p.RepositoryId == id).Select(p => ChartModel.Backups($"backups-{p.Id}", $"Last backups of plan {p.Name}",
                $"/api/v1/jobs?plan={p.Id}&kind=backup&status=succeeded&limit={ChartModel.BackupsShown}",
                views.List(p.Id, null, null, JobStatuses.Succeeded, ChartModel.BackupsShown, JobKinds.Backup))),
        ];
        OnlineHosts = [.. agents.List().Where(a => a.RevokedAt is null && connections.IsOnline(a.Id)).OrderBy(a => a.Hostname, StringComparer.OrdinalIgnoreCase)];
        return true;
    }

}
