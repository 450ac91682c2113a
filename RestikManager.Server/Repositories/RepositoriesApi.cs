using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;
using RestikManager.Server.Audit;
using RestikManager.Server.Jobs;
using RestikManager.Server.Plans;
using RestikManager.Server.Web;

namespace RestikManager.Server.Repositories;

/// <summary>
/// Create or change a repository. <see cref="Password"/> and <see cref="Credentials"/> are write-only: absent means
/// unchanged, and a credential set to null is removed.
/// On create, <see cref="Init"/> also runs <c>restic init</c> as a job on <see cref="InitHost"/> (id or hostname; default:
/// the first online host), which must be online.
/// </summary>
internal sealed record RepositoryRequest(
    string? Name, string? Url, string? Password, Dictionary<string, string?>? Credentials, bool? Init = null, string? InitHost = null);

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
        RepositoryRequest request, RepositoryStore store, AgentStore agents, AgentConnections connections, JobDispatcher jobs,
        ClaimsPrincipal user, AuditLog audit)
    {
        if (Problem(request, store, null, creating: true) is { } problem)
        {
            return problem;
        }

        // The host for init is settled before anything is written: a refusal changes nothing.
        AgentRecord? initHost = null;
        if (request.Init == true)
        {
            initHost = request.InitHost is null
                ? agents.List().FirstOrDefault(a => a.RevokedAt is null && connections.IsOnline(a.Id))
                : agents.Resolve(request.InitHost);
            if (initHost is null)
            {
                return request.InitHost is null
                    ? ApiErrors.Create(StatusCodes.Status409Conflict, "host_offline", "initHost: no host is online to initialise the repository on.", "initHost")
                    : Invalid("initHost", $"initHost: no enrolled host '{request.InitHost}'.");
            }

            if (!connections.IsOnline(initHost.Id))
            {
                return ApiErrors.Create(StatusCodes.Status409Conflict, "host_offline", $"initHost: host '{initHost.Hostname}' is not online.", "initHost");
            }
        }
        else if (request.InitHost is not null)
        {
            return Invalid("initHost", "initHost: goes with \"init\": true.");
        }

        var saved = store.Save(null, request.Name!.Trim(), request.Url!.Trim(), SecretChanges(request));
        audit.Append(user.Actor(), "repository.create", $"repository:{saved.Name}", detail: saved.Id);
        string? initJob = null;
        if (initHost is not null)
        {
            initJob = jobs.Enqueue(JobSpecs.ForRepository(JobKinds.Init, saved.Id, JobTriggers.Manual), initHost.Id).Id;
            audit.Append(user.Actor(), "job.init", $"host:{initHost.Hostname}", detail: initJob);
        }

        return TypedResults.Created($"/api/v1/repositories/{saved.Id}", View(saved, store) with { InitJob = initJob });
    }

    private static Results<Ok<RepositoryView>, JsonHttpResult<ErrorEnvelope>> Update(
        string id, RepositoryRequest request, RepositoryStore store, PlanDistributor plans, ClaimsPrincipal user, AuditLog audit)
    {
        if (store.Find(id) is not { } existing)
        {
            return NotFound(id);
        }

        if (Problem(request, store, id, creating: false) is { } problem)
        {
            return problem;
        }

        var saved = store.Save(id, request.Name?.Trim() ?? existing.Name, request.Url?.Trim(), SecretChanges(request));
        var changed = new[] { request.Url is null ? null : "url", request.Password is null ? null : "password",
            request.Credentials is null ? null : "credentials" }.OfType<string>();
        audit.Append(user.Actor(), "repository.update", $"repository:{saved.Name}", detail: string.Join(",", changed));
        plans.PushAll();
        return TypedResults.Ok(View(saved, store));
    }

    private static Results<NoContent, JsonHttpResult<ErrorEnvelope>> Delete(
        string id, RepositoryStore store, PlanStore plans, ClaimsPrincipal user, AuditLog audit)
    {
        if (store.Find(id) is not { } existing)
        {
            return NotFound(id);
        }

        if (plans.List().FirstOrDefault(p => p.RepositoryId == id) is { } plan)
        {
            return ApiErrors.Create(StatusCodes.Status409Conflict, "repository_in_use",
                $"Plan '{plan.Name}' backs up to this repository; delete or change that plan first.");
        }

        store.Delete(id);
        audit.Append(user.Actor(), "repository.delete", $"repository:{existing.Name}", detail: id);
        return TypedResults.NoContent();
    }

    private static JsonHttpResult<ErrorEnvelope>? Problem(RepositoryRequest request, RepositoryStore store, string? id, bool creating)
    {
        if (!creating && (request.Init is not null || request.InitHost is not null))
        {
            return Invalid("init", "init: only on create; initialise an existing repository with an init job (POST /api/v1/jobs).");
        }

        var name = request.Name?.Trim();
        if ((creating || request.Name is not null) && (string.IsNullOrEmpty(name) || name.Length > 100 || name.Any(char.IsControl)))
        {
            return Invalid("name", "name: give the repository a name of 1 to 100 characters.");
        }

        if (name is not null && store.NameTaken(name, id))
        {
            return ApiErrors.Create(StatusCodes.Status409Conflict, "name_taken", $"name: a repository named '{name}' exists already.");
        }

        if ((creating || request.Url is not null) && RepositoryUrl.Problem(request.Url?.Trim()) is { } urlProblem)
        {
            return Invalid("url", "url: " + urlProblem);
        }

        if ((creating || request.Password is not null) && (string.IsNullOrEmpty(request.Password) || request.Password.Length > 4096))
        {
            return Invalid("password", "password: give the repository password (restic cannot open a repository without one).");
        }

        foreach (var (variable, value) in request.Credentials ?? [])
        {
            if (RepositorySecrets.Problem(variable) is { } problem)
            {
                return Invalid("credentials", "credentials: " + problem);
            }

            if (value is { Length: > 16384 } || (value is not null && value.Contains('\0', StringComparison.Ordinal)))
            {
                return Invalid("credentials", $"credentials: the value of {variable} is too long or holds a NUL character.");
            }
        }

        return null;
    }

    private static Dictionary<string, string?> SecretChanges(RepositoryRequest request)
    {
        var changes = new Dictionary<string, string?>(request.Credentials ?? [], StringComparer.Ordinal);
        if (request.Password is not null)
        {
            changes[RepositorySecrets.Password] = request.Password;
        }

        return changes;
    }

    private static RepositoryView View(RepositoryRecord r, RepositoryStore store)
    {
        var names = store.SecretNames(r.Id);
        return new RepositoryView(r.Id, r.Name, r.Url, names.Contains(RepositorySecrets.Password),
            names.Where(n => n != RepositorySecrets.Password).ToList(), r.CreatedAt, r.UpdatedAt);
    }

    private static JsonHttpResult<ErrorEnvelope> Invalid(string field, string message) =>
        ApiErrors.Create(StatusCodes.Status400BadRequest, "invalid_repository", message, field);

    private static JsonHttpResult<ErrorEnvelope> NotFound(string id) => ApiErrors.NotFound("not_found", $"No repository with id '{id}'.");
}
