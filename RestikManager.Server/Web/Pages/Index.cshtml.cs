using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;
using RestikManager.Server.Jobs;
using RestikManager.Server.Plans;
using RestikManager.Server.Web.Protection;

namespace RestikManager.Server.Web.Pages;

[Authorize(Policy = Roles.CanView)]
internal sealed class IndexModel(ProtectionReport report, JobStore jobs, AgentStore agents, PlanStore plans) : PageModel
{
    private const int RecentJobCount = 20;

    public IReadOnlyList<HostProtection> Hosts { get; private set; } = [];

    public IReadOnlyList<JobRecord> RecentJobs { get; private set; } = [];

    public IReadOnlyDictionary<string, string> HostNames { get; private set; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> PlanNames { get; private set; } = new Dictionary<string, string>();

    /// <summary>How many hosts have each verdict, worst first; verdicts no host has are left out.</summary>
    public IReadOnlyList<(Verdict Verdict, int Count)> Counts { get; private set; } = [];

    public void OnGet()
    {
        // Worst first, so the hosts that need attention lead a long list; by name within a verdict.
        // Agents and plans are read once and serve both the verdicts and the names in the jobs table.
        var allAgents = agents.List();
        var allPlans = plans.List();
        Hosts = [.. report.Hosts(allAgents, allPlans).OrderBy(h => h.Verdict).ThenBy(h => h.Host.Hostname, StringComparer.OrdinalIgnoreCase)];
        Counts = [.. Hosts.GroupBy(h => h.Verdict).OrderBy(g => g.Key).Select(g => (g.Key, g.Count()))];
        RecentJobs = jobs.List(null, null, null, null, RecentJobCount);
        HostNames = allAgents.ToDictionary(a => a.Id, a => a.Hostname);
        PlanNames = allPlans.ToDictionary(p => p.Id, p => p.Name);
    }

    /// <summary>A stored UTC timestamp as "2026-11-22 09:14 UTC"; "never" for none.</summary>
    public static string When(string? stamp) => stamp is null ? "never"
        : DateTimeOffset.Parse(stamp, CultureInfo.InvariantCulture).UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>How long a finished job ran ("<1 s", "42 s", "3 min 5 s"); empty while it has not finished.</summary>
    public static string Took(JobRecord job)
    {
        if (job.StartedAt is null || job.FinishedAt is null)
        {
            return "";
        }

        var took = DateTimeOffset.Parse(job.FinishedAt, CultureInfo.InvariantCulture) - DateTimeOffset.Parse(job.StartedAt, CultureInfo.InvariantCulture);
        return took.TotalMinutes >= 1 ? $"{(int)took.TotalMinutes} min {took.Seconds} s" : took.TotalSeconds < 1 ? "<1 s" : $"{(int)took.TotalSeconds} s";
    }

    public static string VerdictText(Verdict verdict) => verdict switch
    {
        Verdict.Unprotected => "not protected",
        Verdict.Failing => "failing",
        Verdict.Partial => "partial",
        Verdict.Pending => "no backup yet",
        _ => "protected",
    };

    /// <summary>One plan's line under a host's verdict.</summary>
    public static string PlanLine(PlanProtection p)
    {
        var latest = p.Latest is null ? "no backup finished yet"
            : $"{p.Latest.Status}{(p.Latest.ErrorClass is { Length: > 0 } e ? $" ({e})" : "")} {When(p.Latest.FinishedAt)}";
        var lastGood = p.Latest?.Status == Contracts.Protocol.JobStatuses.Succeeded ? "" : $"; last success {When(p.LastSucceededAt)}";
        return $"{p.Plan.Name}: {latest}{lastGood}{(p.Overdue ? "; a scheduled run was missed" : "")}";
    }
}
