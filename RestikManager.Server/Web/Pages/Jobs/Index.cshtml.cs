using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;
using RestikManager.Server.Jobs;
using RestikManager.Server.Plans;
using RestikManager.Server.Web.Components;

namespace RestikManager.Server.Web.Pages.Jobs;

/// <summary>Job history, newest first, filtered by plan, host, kind, status and day, and paged.</summary>
[Authorize(Policy = Roles.CanView)]
internal sealed class IndexModel(JobStore jobs, JobViews views, JobNames names, PlanStore plans, AgentStore agents) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)] public string? Plan { get; set; }

    /// <summary>A hostname or host id.</summary>
    [BindProperty(SupportsGet = true)] public string? Host { get; set; }

    [BindProperty(SupportsGet = true)] public string? Kind { get; set; }

    [BindProperty(SupportsGet = true)] public string? Status { get; set; }

    /// <summary>From this day (UTC, yyyy-MM-dd) on.</summary>
    [BindProperty(SupportsGet = true)] public string? From { get; set; }

    /// <summary>Up to and including this day (UTC).</summary>
    [BindProperty(SupportsGet = true)] public string? To { get; set; }

    [BindProperty(Name = "p", SupportsGet = true)] public int PageNumber { get; set; } = 1;

    public IReadOnlyList<JobRowModel> Rows { get; private set; } = [];

    public IReadOnlyList<Plan> Plans { get; private set; } = [];

    public int Matching { get; private set; }

    public int PageCount => Math.Max(1, (Matching + PageSize - 1) / PageSize);

    public Pager Pager => Pager.Of(Matching, "jobs", PageNumber, PageSize, PageLink);

    /// <summary>A filter that could not be read, in words (the list is then empty).</summary>
    public string? Problem { get; private set; }

    /// <summary>The page's event stream: its rows' changes, and on a first page without dates also new jobs that match.</summary>
    public string LiveUrl { get; private set; } = "";

    public bool Filtered => new[] { Plan, Host, Kind, Status, From, To }.Any(v => !string.IsNullOrEmpty(v));

    public void OnGet()
    {
        Plans = [.. plans.List().OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase)];
        var agentId = string.IsNullOrWhiteSpace(Host) ? null : agents.Resolve(Host.Trim())?.Id;
        var fromProblem = Day(From, out var since);
        var toProblem = Day(To, out var until);
        Problem = !string.IsNullOrWhiteSpace(Host) && agentId is null ? $"No enrolled host '{Host}'." : fromProblem ?? toProblem;
        if (Problem is not null)
        {
            return;
        }

        var filter = new JobFilter(FormValues.Blank(Plan), agentId, null, FormValues.Blank(Status), FormValues.Blank(Kind), since, until?.AddDays(1));
        Matching = jobs.Count(filter);
        PageNumber = Math.Clamp(PageNumber, 1, PageCount);
        Rows = [.. jobs.List(filter, (PageNumber - 1) * PageSize, PageSize).Select(views.View).Select(names.Row)];
        var fresh = PageNumber == 1 && since is null && until is null;
        LiveUrl = "/live/jobs" + QueryString.Create(new Dictionary<string, string?>
        {
            ["ids"] = string.Join(",", Rows.Select(r => r.Job.Id)), ["fresh"] = fresh ? "true" : null,
            ["plan"] = filter.PlanId, ["host"] = filter.AgentId, ["kind"] = filter.Kind, ["status"] = filter.Status,
        }.Where(p => p.Value is not null)).ToUriComponent();
    }

    public static IReadOnlyList<string> Kinds => JobKinds.All;

    public static IReadOnlyList<string> Statuses =>
        [JobStatuses.Queued, JobStatuses.Running, JobStatuses.Succeeded, JobStatuses.Partial, JobStatuses.Failed, JobStatuses.Interrupted, JobStatuses.Cancelled];

    public string PageLink(int page) => "/jobs" + QueryString.Create(new Dictionary<string, string?>
    {
        ["plan"] = Plan, ["host"] = Host, ["kind"] = Kind, ["status"] = Status, ["from"] = From, ["to"] = To,
        ["p"] = page.ToString(CultureInfo.InvariantCulture),
    }.Where(p => !string.IsNullOrEmpty(p.Value))).ToUriComponent();


    private static string? Day(string? text, out DateTimeOffset? day)
    {
        day = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!DateTimeOffset.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return $"'{text}' is not a day; use yyyy-MM-dd.";
        }

        day = parsed;
        return null;
    }
}
