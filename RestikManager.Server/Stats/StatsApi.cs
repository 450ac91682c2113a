using Microsoft.AspNetCore.Http.HttpResults;
using RestikManager.Server.Accounts;
using RestikManager.Server.Api;
using RestikManager.Server.Repositories;

namespace RestikManager.Server.Stats;

/// <summary>A repository's size now (the newest reading) and over time.</summary>
internal sealed record RepositoryStatsView(
    long? TotalSize, long? RawSize, double? CompressionRatio, int? SnapshotCount, string? TakenAt, IReadOnlyList<StatsPoint> History);

/// <summary>One reading in the history.</summary>
internal sealed record StatsPoint(string At, long TotalSize, long RawSize, int SnapshotCount);

/// <summary><c>GET /api/v1/repositories/{id}/stats</c>.</summary>
internal static class StatsApi
{
    public static RouteHandlerBuilder MapStatsApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/repositories/{id}/stats", Get).WithTags("Repositories").RequireAuthorization(Roles.CanView);

    private static Results<Ok<RepositoryStatsView>, JsonHttpResult<ErrorEnvelope>> Get(string id, RepositoryStore repositories, StatsStore stats) =>
        repositories.Find(id) is null
            ? ApiErrors.NotFound("not_found", $"No repository with id '{id}'.")
            : TypedResults.Ok(View(stats.History(id)));

    /// <summary>The view of <paramref name="history"/> (oldest first): the API's answer, and what the repository page charts.</summary>
    public static RepositoryStatsView View(IReadOnlyList<StatsReading> history) => history is [.., var newest]
        ? new(newest.TotalSize, newest.RawSize, newest.CompressionRatio, newest.SnapshotCount, newest.At,
            [.. history.Select(r => new StatsPoint(r.At, r.TotalSize, r.RawSize, r.SnapshotCount))])
        : new(null, null, null, null, null, []);
}
