using System.Text.Json;
using RestikManager.Server.Jobs;
using RestikManager.Server.Stats;

namespace RestikManager.Server.Web.Components;

/// <summary>
/// A chart on a page: what it is called, the API address that answers the same numbers, and those numbers as that API
/// gives them (JSON in a data attribute: the page's script draws it with uPlot; a table below says the same in text).
/// </summary>
internal sealed record ChartModel(string Id, string Kind, string Title, string ApiUrl, string Json)
{
    /// <summary>The repository's size over time, from <c>GET /api/v1/repositories/{id}/stats</c>.</summary>
    public static ChartModel Size(string repositoryId, RepositoryStatsView stats) => new(
        $"size-{repositoryId}", "size", "Repository size", $"/api/v1/repositories/{repositoryId}/stats",
        JsonSerializer.Serialize(stats, StatsJson.Default.RepositoryStatsView));

    /// <summary>A plan's last successful backups (oldest first on the chart), from the jobs API.</summary>
    public static ChartModel Backups(string id, string title, string apiUrl, IReadOnlyList<JobView> jobs) => new(
        id, "backups", title, apiUrl, JsonSerializer.Serialize(jobs, JobsJson.Default.IReadOnlyListJobView));

    /// <summary>How many backups a plan's chart shows.</summary>
    public const int BackupsShown = 30;
}
