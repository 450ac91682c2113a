using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Contracts.Protocol;
using RestikManager.Contracts.Schedules;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;
using RestikManager.Server.Jobs;
using RestikManager.Server.Plans;
using RestikManager.Server.Protection;
using RestikManager.Server.Web.Components;

namespace RestikManager.Server.Web.Pages.Hosts;

/// <summary>One host: its facts and protection, its plans with their next run, its recent jobs; revoke.</summary>
[Authorize(Policy = Roles.CanView)]
internal sealed class HostModel(
    AgentStore agents, AgentConnections connections, AgentPresence presence, Distribution.AgentReleases releases, PlanStore plans, ProtectionReport report, JobStore jobs,
    JobViews views, JobNames names, HostCommands commands, Updates.UpdateCommands updates, TimeProvider time) : PageModel
{
    public const int RecentJobs = 20;

    public HostProtection Host { get; private set; } = null!;

    public IReadOnlyList<(Plan Plan, string? NextRun)> Plans { get; private set; } = [];

    public IReadOnlyList<JobRowModel> Jobs { get; private set; } = [];

    /// <summary>Each plan's last successful backups on this host.</summary>
    public IReadOnlyList<ChartModel> Charts { get; private set; } = [];

    public string? Refusal { get; private set; }

    public IActionResult OnGet(string id)
    {
        if (agents.Find(id) is not { } agent)
        {
            return NotFound();
        }

        var all = plans.List();
        // A revoked host is no longer judged (the report covers live hosts); its page still shows what it was.
        Host = report.Hosts([agent], all) is [var live] ? live : new HostProtection(agent.ToView(connections, presence, releases), []);
        var now = time.GetUtcNow();
        Plans = [.. all.Where(p => PlanDistributor.Targets(p, agent)).Select(p => (p,
            p.Enabled && p.Schedule?.NextAfter(now) is { } next
                ? next.ToUniversalTime().ToString("O") : null))];
        Jobs = [.. jobs.List(new JobFilter(AgentId: agent.Id), 0, RecentJobs).Select(views.View).Select(names.Row)];
        Charts = [.. Plans.Select(p => ChartModel.Backups($"backups-{p.Plan.Id}", $"Last backups of plan {p.Plan.Name}",
            $"/api/v1/jobs?plan={p.Plan.Id}&host={agent.Id}&kind=backup&status=succeeded&limit={ChartModel.BackupsShown}",
            views.List(p.Plan.Id, agent.Id, null, JobStatuses.Succeeded, ChartModel.BackupsShown, JobKinds.Backup)))];
        return Page();
    }

    [Requires(Roles.CanAdminister)]
    public IActionResult OnPostLabel(string id, string? label)
    {
        if (commands.SetLabel(id, label, User.Actor()) is { } refusal)
        {
            Refusal = refusal.Message;
            var page = OnGet(id);
            Response.StatusCode = refusal.Status;
            return page;
        }

        return Redirect($"/hosts/{id}");
    }

    /// <summary>Offers the host the agent served for its platform now (the API's <c>POST /api/v1/hosts/{id}/update</c>).</summary>
    [Requires(Roles.CanAdminister)]
    public async Task<IActionResult> OnPostUpdateAsync(string id, CancellationToken cancellationToken)
    {
        var (_, refusal) = await updates.UpdateNowAsync(id, User.Actor(), cancellationToken);
        if (refusal is not null)
        {
            Refusal = refusal.Message;
            var page = OnGet(id);
            Response.StatusCode = refusal.Status;
            return page;
        }

        return Redirect($"/hosts/{id}");
    }

    [Requires(Roles.CanAdminister)]
    public IActionResult OnPostRevoke(string id)
    {
        if (commands.Revoke(id, User.Actor()) is { } refusal)
        {
            Refusal = refusal.Message;
            var page = OnGet(id);
            Response.StatusCode = refusal.Status;
            return page;
        }

        return Redirect($"/hosts/{id}");
    }
}
