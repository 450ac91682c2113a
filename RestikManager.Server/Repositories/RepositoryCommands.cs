using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Api;
using RestikManager.Server.Audit;
using RestikManager.Server.Events;

namespace RestikManager.Server.Repositories;


/// <summary>
/// Creating, changing and deleting repositories, for the API and the pages alike: checked, saved (secrets into the
/// secret store, write-only), audited; a refusal changes nothing.
/// </summary>
internal sealed class RepositoryCommands(
    RepositoryStore store, AgentStore agents, AgentConnections connections, IRepositoryInit init, IEnumerable<IRepositoryReferences> references,
    DomainEvents events, AuditLog audit)
{
    private static Refusal InvalidRepository(string field, string message) => Refusal.Invalid("invalid_repository", field, message);

    /// <summary>Creates the repository; with <c>init</c>, also queues <c>restic init</c> on the init host (returned as the job id).</summary>
    public (RepositoryRecord? Saved, string? InitJob, Refusal? Refusal) Create(RepositoryRequest request, string actor)
    {
        if (Problem(request, null, creating: true) is { } problem)
        {
            return (null, null, problem);
        }

        if (request.ChunkerParamsFrom is { } from && store.Find(from) is null)
        {
            return (null, null, InvalidRepository("chunkerParamsFrom", $"chunkerParamsFrom: no repository with id '{(from.Length > 60 ? from[..60] + "…" : from)}'."));
        }

        // The host for init is settled before anything is written: a refusal changes nothing.
        AgentRecord? initHost = null;
        if (request.Init == true)
        {
            initHost = string.IsNullOrEmpty(request.InitHost)
                ? agents.List().FirstOrDefault(a => a.RevokedAt is null && connections.IsOnline(a.Id))
                : agents.Resolve(request.InitHost);
            if (initHost is null)
            {
                return (null, null, string.IsNullOrEmpty(request.InitHost)
                    ? new Refusal(StatusCodes.Status409Conflict, "host_offline", "initHost: no host is online to initialise the repository on.", "initHost")
                    : InvalidRepository("initHost", $"initHost: no enrolled host '{request.InitHost}'."));
            }

            if (!connections.IsOnline(initHost.Id))
            {
                return (null, null, new Refusal(StatusCodes.Status409Conflict, "host_offline", $"initHost: host '{initHost.Hostname}' is not online.", "initHost"));
            }
        }
        else if (request.InitHost is not null || request.ChunkerParamsFrom is not null)
        {
            var field = request.InitHost is not null ? "initHost" : "chunkerParamsFrom";
            return (null, null, InvalidRepository(field, $"{field}: goes with \"init\": true."));
        }

        var saved = store.Save(null, request.Name!.Trim(), request.Url!.Trim(), SecretChanges(request));
        audit.Append(actor, "repository.create", $"repository:{saved.Name}", detail: saved.Id);
        string? initJob = null;
        if (initHost is not null)
        {
            initJob = init.Enqueue(saved.Id, initHost.Id, request.ChunkerParamsFrom);
            audit.Append(actor, "job.init", $"host:{initHost.Hostname}", detail: initJob);
        }

        return (saved, initJob, null);
    }

    /// <summary>Changes the repository <paramref name="existing"/>: what the request leaves out stays as it is.</summary>
    public (RepositoryRecord? Saved, Refusal? Refusal) Update(RepositoryRecord existing, RepositoryRequest request, string actor)
    {
        if (Problem(request, existing.Id, creating: false) is { } problem)
        {
            return (null, problem);
        }

        var saved = store.Save(existing.Id, request.Name?.Trim() ?? existing.Name, request.Url?.Trim(), SecretChanges(request));
        var changed = new[] { request.Url is null ? null : "url", request.Password is null ? null : "password",
            request.Credentials is null ? null : "credentials" }.OfType<string>();
        audit.Append(actor, "repository.update", $"repository:{saved.Name}", detail: string.Join(",", changed));
        events.Publish(new RepositoryChanged(saved.Id));
        return (saved, null);
    }

    /// <summary>Deletes the repository, refused while anything refers to it (a plan backs up to it).</summary>
    public Refusal? Delete(RepositoryRecord existing, string actor)
    {
        if (references.Select(r => r.InUse(existing.Id)).FirstOrDefault(why => why is not null) is { } inUse)
        {
            return new Refusal(StatusCodes.Status409Conflict, "repository_in_use", inUse);
        }

        store.Delete(existing.Id);
        audit.Append(actor, "repository.delete", $"repository:{existing.Name}", detail: existing.Id);
        return null;
    }

    private Refusal? Problem(RepositoryRequest request, string? id, bool creating)
    {
        if (!creating && (request.Init is not null || request.InitHost is not null))
        {
            return InvalidRepository("init", "init: only on create; initialise an existing repository with an init job (POST /api/v1/jobs).");
        }

        var name = request.Name?.Trim();
        if ((creating || request.Name is not null) && (string.IsNullOrEmpty(name) || name.Length > 100 || name.Any(char.IsControl)))
        {
            return InvalidRepository("name", "name: give the repository a name of 1 to 100 characters.");
        }

        if (name is not null && store.NameTaken(name, id))
        {
            return new Refusal(StatusCodes.Status409Conflict, "name_taken", $"name: a repository named '{name}' exists already.", "name");
        }

        if ((creating || request.Url is not null) && RepositoryUrl.Problem(request.Url?.Trim()) is { } urlProblem)
        {
            return InvalidRepository("url", "url: " + urlProblem);
        }

        if ((creating || request.Password is not null) && (string.IsNullOrEmpty(request.Password) || request.Password.Length > 4096))
        {
            return InvalidRepository("password", "password: give the repository password (restic cannot open a repository without one).");
        }

        foreach (var (variable, value) in request.Credentials ?? [])
        {
            if (RepositorySecrets.Problem(variable) is { } problem)
            {
                return InvalidRepository("credentials", "credentials: " + problem);
            }

            if (value is { Length: > 16384 } || (value is not null && value.Contains('\0', StringComparison.Ordinal)))
            {
                return InvalidRepository("credentials", $"credentials: the value of {variable} is too long or holds a NUL character.");
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
}
