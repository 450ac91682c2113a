using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using RestikManager.Contracts;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Accounts;
using RestikManager.Server.Api;
using RestikManager.Server.Audit;
using RestikManager.Server.Telemetry;

namespace RestikManager.Server.Agents;

internal sealed record CreateEnrollmentTokenRequest(string? Label, int? ExpiresInMinutes);

/// <summary>A change to a host: its label (null or empty clears it).</summary>
internal sealed record ChangeHostRequest(string? Label);

internal sealed record CreatedEnrollmentToken(long Id, string Token, string? Label, string ExpiresAt, string InstallCommand, string InstallCommandWindows);

/// <summary>A host as the API lists it.</summary>
internal sealed record HostView(
    string Id, string Hostname, string? Label, string Status, string? LastSeenAt, string EnrolledAt, bool Revoked,
    string? AgentVersion, string? AgentCommit, string? Os, string? Arch, string? ResticVersion, bool AgentOutdated,
    string? AvailableAgentVersion = null, HostUpdateView? Update = null, string? ResticSource = null, HostVerdictView? Protection = null)
{
    /// <summary>
    /// What the host's allowlist (hooks.d) lets plans run there: names and kinds, and why an entry will not run (null: an
    /// agent older than hooks). Never a command line: the server does not get one.
    /// </summary>
    public IReadOnlyList<AllowedEntry>? Allowlist { get; init; }
}

/// <summary>
/// How well the host is protected, as the dashboard says it (<c>protected</c>, <c>pending</c>, <c>partial</c>,
/// <c>failing</c>, <c>unprotected</c>: the worst of its plans), and each enabled plan's part. Filled by the Protection
/// feature; null for a revoked host.
/// </summary>
internal sealed record HostVerdictView(string Verdict, IReadOnlyList<PlanVerdictView> Plans);

/// <summary>One plan of a host: its verdict, its newest finished backup (status, id, when) and newest success, and whether a scheduled run was missed.</summary>
internal sealed record PlanVerdictView(
    string PlanId, string PlanName, string Verdict, string? LastStatus, string? LastJobId, string? LastFinishedAt, string? LastSucceededAt, bool Overdue)
{
    /// <summary>How the newest drill of this host's data under the plan ended, and its job (null: no drill yet).</summary>
    public string? LastDrillStatus { get; init; }

    public string? LastDrillJobId { get; init; }

    /// <summary>When a drill last proved this host's data restorable, and the snapshot it restored.</summary>
    public string? LastDrillPassedAt { get; init; }

    public string? LastDrillSnapshotId { get; init; }

    /// <summary>Whether every copy target holds the newest successful snapshot (null: no copy targets, or no success yet).</summary>
    public bool? CopiesCurrent { get; init; }
}

/// <summary>The agent update last offered to a host: <c>sent</c>, <c>done</c> or <c>failed</c> (with why), and when.</summary>
internal sealed record HostUpdateView(string Version, string State, string? Error, string? At);

/// <summary>Enrollment, the agent WebSocket, and the hosts API.</summary>
internal static class AgentsApi
{
    public static RouteGroupBuilder MapAgentsApi(this IEndpointRouteBuilder app)
    {
        // An enrollment is a few hundred bytes: anonymous callers get no more than 16 KiB of body (413, the envelope).
        app.MapPost(AgentProtocol.EnrollPath, Enroll).AllowAnonymous().WithTags("Agents")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(16 * 1024));
        app.MapGet(AgentProtocol.WebSocketPath, ConnectAsync).AllowAnonymous().WithTags("Agents");

        var group = app.MapGroup("/api/v1").WithTags("Hosts");
        group.MapPut("/hosts/{id}", (string id, ChangeHostRequest request, ClaimsPrincipal user, HostCommands commands) =>
            commands.SetLabel(id, request.Label, user.Actor()) is { } refusal
                ? (IResult)refusal.ToResult()
                : TypedResults.NoContent()).RequireAuthorization(Roles.CanAdminister);
        group.MapPost("/hosts/{id}/revoke", Revoke).RequireAuthorization(Roles.CanAdminister);
        group.MapPost("/enrollment-tokens", CreateEnrollmentToken).RequireAuthorization(Roles.CanAdminister);
        group.MapGet("/enrollment-tokens", (EnrollmentTokens tokens) => TypedResults.Ok(tokens.List().ToList())).RequireAuthorization(Roles.CanAdminister);
        return group;
    }

    private static async Task<Results<Created<EnrollResponse>, JsonHttpResult<ErrorEnvelope>>> Enroll(
        HttpContext context, AgentStore agents, AgentConnections connections, AuditLog audit)
    {
        EnrollRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, ProtocolJsonContext.Default.EnrollRequest, context.RequestAborted);
        }
        catch (JsonException)
        {
            request = null;
        }

        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (request is null || string.IsNullOrWhiteSpace(request.Token) || !WireValues.IsPlainText(request.Os, 32)
            || !WireValues.IsPlainText(request.Arch, 32) || !WireValues.IsPlainText(request.AgentVersion))
        {
            return ApiErrors.BadRequest("invalid_request", "Send JSON with token, hostname, os, arch and agentVersion.");
        }

        if (request.Hostname is not { Length: > 0 and <= 253 } || !request.Hostname.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
        {
            return ApiErrors.BadRequest("invalid_hostname", "hostname is 1 to 253 letters, digits, '.', '-' or '_'.");
        }

        var (refusal, agent, credential, replaced) = agents.Enroll(request);
        switch (refusal)
        {
            case EnrollRefusal.InvalidToken:
                audit.Append($"address:{address}", "agent.enroll", $"host:{request.Hostname}", "denied", "unknown, expired or used token");
                return ApiErrors.Create(StatusCodes.Status401Unauthorized, "invalid_token", "The enrollment token is unknown, expired or already used. Create a new one on the server.");
            case EnrollRefusal.HostExists:
                audit.Append($"address:{address}", "agent.enroll", $"host:{request.Hostname}", "denied", "host exists");
                return ApiErrors.Create(StatusCodes.Status409Conflict, "host_exists",
                    $"A host named '{request.Hostname}' is already enrolled. To replace its credential, enroll again with --force (install.sh: --reenroll).");
        }

        if (replaced is not null)
        {
            connections.Drop(replaced, "credential replaced by a new enrollment");
        }

        audit.Append($"agent:{agent!.Id}", replaced is null ? "agent.enroll" : "agent.reenroll", $"host:{agent.Hostname}");
        return TypedResults.Created($"/api/v1/hosts/{agent.Id}", new EnrollResponse(agent.Id, credential!, BuildInfo.Current.Version));
    }

    private static async Task<IResult> ConnectAsync(
        HttpContext context, AgentStore agents, AgentConnections connections, AgentPresence presence, AuditLog audit,
        AgentEventRouter events, ServerTelemetry telemetry, TimeProvider time, ILoggerFactory loggers, IHostApplicationLifetime lifetime)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return ApiErrors.BadRequest("websocket_required", "This endpoint speaks WebSocket only.");
        }

        var header = context.Request.Headers.Authorization.ToString();
        var agent = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? agents.FindByCredential(header["Bearer ".Length..].Trim()) : null;
        if (agent is null)
        {
            var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            audit.Append($"address:{address}", "agent.connect", null, "denied", "unknown or revoked credential");
            return ApiErrors.Create(StatusCodes.Status401Unauthorized, "invalid_credential", "The agent credential is unknown or revoked; enroll this host again.");
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        using var session = new AgentConnection(agent, socket, connections, presence, agents, events, time, loggers.CreateLogger("RestikManager.Server.Agents"));
        var connectedAt = time.GetUtcNow();
        telemetry.AgentConnected();
        try
        {
            await session.RunAsync(lifetime.ApplicationStopping);
        }
        finally
        {
            telemetry.AgentDisconnected(agent.Id, agent.Hostname, connectedAt, session.ClosedBecause);
        }

        return TypedResults.Empty;
    }

    private static Results<NoContent, JsonHttpResult<ErrorEnvelope>> Revoke(string id, ClaimsPrincipal user, HostCommands commands) =>
        commands.Revoke(id, user.Actor()) is { } refusal ? refusal.ToResult() : TypedResults.NoContent();

    private static Results<Created<CreatedEnrollmentToken>, JsonHttpResult<ErrorEnvelope>> CreateEnrollmentToken(
        CreateEnrollmentTokenRequest? request, ClaimsPrincipal user, HostCommands commands, HttpContext context)
    {
        var (created, refusal) = commands.CreateEnrollmentToken(request?.Label, request?.ExpiresInMinutes, user.Actor(), context.Request);
        return refusal is not null
            ? refusal.ToResult()
            : TypedResults.Created($"/api/v1/enrollment-tokens/{created!.Id}", created);
    }
}
