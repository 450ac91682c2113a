using Microsoft.AspNetCore.Http.HttpResults;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Accounts;
using RestikManager.Server.Api;
using RestikManager.Server.Repositories;

namespace RestikManager.Server.Snapshots;

/// <summary>A page of a directory in a snapshot.</summary>
internal sealed record TreePage(string SnapshotId, string Path, int Offset, IReadOnlyList<TreeEntry> Entries, bool More);

/// <summary>A repository's snapshots, with when the list was last refreshed.</summary>
internal sealed record SnapshotList(string RepositoryId, string? RefreshedAt, string? RefreshError, IReadOnlyList<SnapshotView> Snapshots);

/// <summary>Snapshots of a repository (cached), refreshing them, and browsing one directory of a snapshot at a time.</summary>
internal static class SnapshotsApi
{
    public static RouteGroupBuilder MapSnapshotsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/repositories/{id}/snapshots").WithTags("Snapshots");
        group.MapGet("", List).RequireAuthorization(Roles.CanView);
        group.MapPost("/refresh", RefreshAsync).RequireAuthorization(Roles.CanOperate);
        group.MapGet("/{snapshotId}/tree", BrowseAsync).RequireAuthorization(Roles.CanView);
        return group;
    }

    private static Results<Ok<SnapshotList>, JsonHttpResult<ErrorEnvelope>> List(
        string id, string? host, string? plan, RepositoryStore repositories, SnapshotCache cache)
    {
        if (repositories.Find(id) is null)
        {
            return NotFound(id);
        }

        var (refreshedAt, error) = cache.LastRefresh(id);
        return TypedResults.Ok(new SnapshotList(id, refreshedAt, error, cache.List(id, host, plan)));
    }

    private static async Task<Results<Ok<SnapshotList>, JsonHttpResult<ErrorEnvelope>>> RefreshAsync(
        string id, string? host, RepositoryStore repositories, SnapshotService snapshots, SnapshotCache cache, CancellationToken cancellationToken)
    {
        if (repositories.Find(id) is null)
        {
            return NotFound(id);
        }

        if (snapshots.PickAgent(id, host) is not { } agent)
        {
            return Offline(host);
        }

        if (await snapshots.RefreshAsync(id, agent, cancellationToken) is { } error)
        {
            return ApiErrors.Create(StatusCodes.Status502BadGateway, "refresh_failed", $"Listing the snapshots failed: {error}");
        }

        var (refreshedAt, _) = cache.LastRefresh(id);
        return TypedResults.Ok(new SnapshotList(id, refreshedAt, null, cache.List(id, null, null)));
    }

    private static async Task<Results<Ok<TreePage>, JsonHttpResult<ErrorEnvelope>>> BrowseAsync(
        string id, string snapshotId, string? path, int? offset, int? limit, string? host,
        RepositoryStore repositories, SnapshotService snapshots, CancellationToken cancellationToken)
    {
        if (repositories.Find(id) is null)
        {
            return NotFound(id);
        }

        var (page, refusal) = await snapshots.BrowseAsync(id, snapshotId, path, offset ?? 0, limit ?? 200, host, cancellationToken);
        return refusal is not null ? refusal.ToResult() : TypedResults.Ok(page!);
    }

    private static JsonHttpResult<ErrorEnvelope> Offline(string? host)
    {
        var refusal = SnapshotService.Offline(host);
        return refusal.ToResult();
    }

    private static JsonHttpResult<ErrorEnvelope> NotFound(string id) => ApiErrors.NotFound("not_found", $"No repository with id '{id}'.");
}
