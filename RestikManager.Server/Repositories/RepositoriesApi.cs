using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using RestikManager.Server.Accounts;
using RestikManager.Server.Api;

namespace RestikManager.Server.Repositories;

/// <summary>
/// Create or change a repository. <see cref="Password"/> and <see cref="Credentials"/> are write-only: absent means
/// unchanged, and a credential set to null is removed.
/// On create, <see cref="Init"/> also runs <c>restic init</c> as a job on <see cref="InitHost"/> (id or hostname; default:
/// the first online host), which must be online.
/// </summary>
internal sealed record RepositoryRequest(
    string? Name, string? Url, string? Password, Dictionary<string, string?>? Credentials, bool? Init = null, string? InitHost = null,
    string? ChunkerParamsFrom = null);

/// <summary>A repository as the API shows it: secrets only by name; on create with init, the id of the init job.</summary>
internal sealed record RepositoryView(
    string Id, string Name, string Url, bool HasPassword, IReadOnlyList<string> Credentials, string CreatedAt, string UpdatedAt, string? InitJob = null);

/// <summary><c>/api/v1/repositories</c>: define and change repositories; their secrets go in and never come out.</summary>
internal static class RepositoriesApi
{
    public static RouteGroupBuilder MapRepositoriesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/repositories").WithTags("Repositories");
        group.MapGet("", (RepositoryStore store) => TypedResults.Ok(store.List().Select(r => View(r, store)).ToList())).RequireAuthorization(Roles.CanView);
        group.MapGet("/{id}", Get).RequireAuthorization(Roles.CanView);
        group.MapPost("", Create).RequireAuthorization(Roles.CanAdminister);
        group.MapPut("/{id}", Update).RequireAuthorization(Roles.CanAdminister);
        group.MapDelete("/{id}", Delete).RequireAuthorization(Roles.CanAdminister);
        return group;
    }

    private static Results<Ok<RepositoryView>, JsonHttpResult<ErrorEnvelope>> Get(string id, RepositoryStore store) =>
        store.Find(id) is { } r ? TypedResults.Ok(View(r, store)) : NotFound(id);

    private static Results<Created<RepositoryView>, JsonHttpResult<ErrorEnvelope>> Create(
        RepositoryRequest request, RepositoryStore store, RepositoryCommands commands, ClaimsPrincipal user)
    {
        var (saved, initJob, refusal) = commands.Create(request, user.Actor());
        return refusal is not null ? refusal.ToResult()
            : TypedResults.Created($"/api/v1/repositories/{saved!.Id}", View(saved, store) with { InitJob = initJob });
    }

    private static Results<Ok<RepositoryView>, JsonHttpResult<ErrorEnvelope>> Update(
        string id, RepositoryRequest request, RepositoryStore store, RepositoryCommands commands, ClaimsPrincipal user)
    {
        if (store.Find(id) is not { } existing)
        {
            return NotFound(id);
        }

        var (saved, refusal) = commands.Update(existing, request, user.Actor());
        return refusal is not null ? refusal.ToResult() : TypedResults.Ok(View(saved!, store));
    }

    private static Results<NoContent, JsonHttpResult<ErrorEnvelope>> Delete(
        string id, RepositoryStore store, RepositoryCommands commands, ClaimsPrincipal user)
    {
        if (store.Find(id) is not { } existing)
        {
            return NotFound(id);
        }

        return commands.Delete(existing, user.Actor()) is { } refusal ? refusal.ToResult() : TypedResults.NoContent();
    }

    /// <summary>A repository as the API shows it (secrets by name only).</summary>
    public static RepositoryView View(RepositoryRecord r, RepositoryStore store)
    {
        var names = store.SecretNames(r.Id);
        return new RepositoryView(r.Id, r.Name, r.Url, names.Contains(RepositorySecrets.Password),
            names.Where(n => n != RepositorySecrets.Password).ToList(), r.CreatedAt, r.UpdatedAt);
    }


    private static JsonHttpResult<ErrorEnvelope> NotFound(string id) => ApiErrors.NotFound("not_found", $"No repository with id '{id}'.");
}
