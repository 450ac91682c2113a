using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;
using RestikManager.Server.Api;
using RestikManager.Server.Jobs;
using RestikManager.Server.Plans;
using RestikManager.Server.Repositories;
using RestikManager.Server.Web.Components;

namespace RestikManager.Server.Web.Pages.Plans;

/// <summary>
/// One plan (<c>/plans/new</c> creates one): the form, its schedule read out with the next run times, Run now and
/// Delete. Saving goes through <see cref="PlanCommands"/>, as the API does; a refusal shows by its field and changes nothing.
/// </summary>
[Authorize(Policy = Roles.CanView)]
internal sealed class EditModel(
    PlanStore plans, PlanCommands commands, RepositoryStore repositories, AgentStore agents, PlanDistributor distributor,
    ManualJobs manual, PlanDrills drills, PlanCopies copies, TimeProvider time) : PageModel
{
    public const string New = "new";

    [BindProperty]
    public PlanForm Form { get; set; } = new();

    public string Id { get; private set; } = New;

    public Plan? Existing { get; private set; }

    /// <summary>What was wrong with the last save, by field.</summary>
    public Refusal? Problem { get; private set; }

    /// <summary>Why the last Run now was refused.</summary>
    public string? RunRefusal { get; private set; }

    public IReadOnlyList<RepositoryRecord> Repositories { get; private set; } = [];

    public IReadOnlyList<AgentRecord> Hosts { get; private set; } = [];

    public IReadOnlyList<string> KnownLabels { get; private set; } = [];

    /// <summary>The hosts this plan backs up now (for Run now on one).</summary>
    public IReadOnlyList<AgentRecord> PlanHosts { get; private set; } = [];

    public bool IsNew => Existing is null;

    /// <summary>An allowlist entry some host reported usable: where it is allowed, and which of this plan's hosts lack it.</summary>
    public sealed record AllowedName(string Name, string Kind, IReadOnlyList<string> AllowedOn, IReadOnlyList<string> LackingHere);

    /// <summary>Every usable allowlist entry of the fleet, by name and kind (read once per request, after the form).</summary>
    public IReadOnlyList<AllowedName> Allowed => _allowed ??= AllowedNames();

    private IReadOnlyList<AllowedName>? _allowed;

    private List<AllowedName> AllowedNames()
    {
        var usable = Hosts.Select(h => (Host: h, Entries: (h.Allowed ?? []).Where(e => e.Problem is null).ToList())).ToList();
        var mine = usable.Where(u => PlanDistributor.Targets(Form.Hosts, Form.Labels, u.Host)).ToList();
        return [.. usable.SelectMany(u => u.Entries.Select(e => (e.Name, e.Kind, u.Host.Hostname)))
            .GroupBy(e => (e.Name, e.Kind)).OrderBy(g => g.Key.Name, StringComparer.Ordinal)
            .Select(g => new AllowedName(g.Key.Name, g.Key.Kind, [.. g.Select(e => e.Hostname)],
                [.. mine.Where(u => !u.Entries.Any(e => e.Name == g.Key.Name && e.Kind == g.Key.Kind)).Select(u => u.Host.Hostname)]))];
    }

    /// <summary>The schedule as the form holds it, read out.</summary>
    public SchedulePreview Preview => new(Form.Schedule, string.IsNullOrWhiteSpace(Form.TimeZone) ? "UTC" : Form.TimeZone.Trim(), time.GetUtcNow());

    public string? ErrorFor(string field) => Problem?.For(field);

    public IActionResult OnGet(string id)
    {
        if (!Load(id))
        {
            return NotFound();
        }

        if (Existing is not null)
        {
            Form = PlanForm.From(Existing);
        }

        return Page();
    }

    [Requires(Roles.CanAdminister)]
    public IActionResult OnPost(string id)
    {
        if (!Load(id))
        {
            return NotFound();
        }

        var (request, problem) = Form.ToRequest();
        var (saved, refusal) = problem is not null ? (null, problem)
            : IsNew ? commands.Create(request!, User.Actor()) : commands.Update(id, request!, User.Actor());
        if (refusal is not null)
        {
            Problem = refusal;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        return Redirect($"/plans/{saved!.Id}");
    }

    /// <summary>Backs the plan up now on all its online hosts, or on <paramref name="host"/>; then shows the job(s).</summary>
    [Requires(Roles.CanOperate)]
    public IActionResult OnPostRun(string id, string? host) =>
        StartJobs(id, plan => manual.RunPlan(plan, string.IsNullOrEmpty(host) ? null : host, User.Actor()));

    /// <summary>Runs the plan's restore drill now; then shows the drill job(s).</summary>
    [Requires(Roles.CanOperate)]
    public IActionResult OnPostDrill(string id) => StartJobs(id, plan => drills.Run(plan, User.Actor()));

    /// <summary>Copies the plan's snapshots to its copy targets now; then shows the copy job(s).</summary>
    [Requires(Roles.CanOperate)]
    public IActionResult OnPostCopy(string id) => StartJobs(id, plan => copies.Run(plan, User.Actor()));

    private IActionResult StartJobs(string id, Func<Plan, (IReadOnlyList<JobRecord> Jobs, Refusal? Refusal)> start)
    {
        if (!Load(id) || Existing is null)
        {
            return NotFound();
        }

        var (jobs, refusal) = start(Existing);
        if (refusal is not null)
        {
            RunRefusal = refusal.Message;
            Form = PlanForm.From(Existing);
            Response.StatusCode = refusal.Status;
            return Page();
        }

        return Redirect(jobs.Count == 1 ? $"/jobs/{jobs[0].Id}" : $"/jobs?plan={id}");
    }

    [Requires(Roles.CanAdminister)]
    public IActionResult OnPostDelete(string id)
    {
        return commands.Delete(id, User.Actor()) ? Redirect("/plans") : NotFound();
    }

    /// <summary>The schedule fields' reading and next runs, for the form to show as one types (htmx).</summary>
    public PartialViewResult OnGetSchedule(
        [FromQuery(Name = "Form.Schedule")] string? schedule, [FromQuery(Name = "Form.TimeZone")] string? timeZone) =>
        Partial("_SchedulePreview", new SchedulePreview(schedule, string.IsNullOrWhiteSpace(timeZone) ? "UTC" : timeZone.Trim(), time.GetUtcNow()));

    private bool Load(string id)
    {
        Id = id;
        Existing = id == New ? null : plans.Find(id);
        if (id != New && Existing is null)
        {
            return false;
        }

        Repositories = repositories.List();
        var all = agents.List().Where(a => a.RevokedAt is null).OrderBy(a => a.Hostname, StringComparer.OrdinalIgnoreCase).ToList();
        Hosts = all;
        KnownLabels = [.. all.Select(a => a.Label).OfType<string>().Concat(Existing?.Labels ?? []).Distinct().Order()];
        PlanHosts = Existing is null ? [] : distributor.HostsOf(Existing);
        return true;
    }
}
