using Microsoft.AspNetCore.Http.HttpResults;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Accounts;
using RestikManager.Server.Repositories;
using RestikManager.Server.Web;

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
        RepositoryStore repositories, SnapshotCache cache, SnapshotService snapshots, CancellationToken cancellationToken)
    {
        if (repositories.Find(id) is null)
        {
            return NotFound(id);
        }

        if (!WireValues.IsSnapshotId(snapshotId))
        {
            return ApiErrors.Create(StatusCodes.Status400BadRequest, "invalid_snapshot", "snapshotId: a snapshot id is 8 to 64 hex digits.", "snapshotId");
        }

        path = string.IsNullOrEmpty(path) ? "/" : path;
        if (!WireValues.IsAbsolutePath(path))
        {
            return ApiErrors.Create(StatusCodes.Status400BadRequest, "invalid_path",
                "path: give an absolute path inside the snapshot, such as /home; " + WireValues.PathProblem(path), "path");
        }

        if (offset is < 0 || limit is < 1 or > SnapshotService.MaxPage)
        {
            return ApiErrors.Create(StatusCodes.Status400BadRequest, "invalid_page", $"offset is 0 or more; limit is 1 to {SnapshotService.MaxPage}.", offset is < 0 ? "offset" : "limit");
        }

        var cached = cache.Find(id, snapshotId);
        if (snapshots.PickAgent(id, host ?? cached?.Hostname) is not { } agent)
        {
            return Offline(host);
        }

        if (cached is null)
        {
            // Not in the cached list: it may be newer than the cache, so ask restic once; still unknown is a 404, never
            // an empty directory.
            if (await snapshots.RefreshAsync(id, agent, cancellationToken) is { } error)
            {
                return ApiErrors.Create(StatusCodes.Status502BadGateway, "refresh_failed", $"Listing the repository's snapshots failed: {error}");
            }

            if ((cached = cache.Find(id, snapshotId)) is null)
            {
                return ApiErrors.NotFound("not_found", $"No snapshot '{snapshotId}' in this repository.");
            }
        }

        var answer = await snapshots.ListAsync(id, agent, cached.Id, path, offset ?? 0, limit ?? 200, cancellationToken);
        if (answer is null)
        {
            return Offline(host);
        }

        if (answer.Error is not null)
        {
            return ApiErrors.Create(StatusCodes.Status502BadGateway, answer.ErrorClass ?? "browse_failed", $"Listing the snapshot failed: {answer.Error}");
        }

        return TypedResults.Ok(new TreePage(cached.Id, path, offset ?? 0, answer.Entries, answer.More));
    }

    private static JsonHttpResult<ErrorEnvelope> Offline(string? host) => ApiErrors.Create(StatusCodes.Status409Conflict, "host_offline",
        host is null ? "No online host can open this repository; name one with ?host=." : $"Host '{host}' is not online.");

    private static JsonHttpResult<ErrorEnvelope> NotFound(string id) => ApiErrors.NotFound("not_found", $"No repository with id '{id}'.");
}
