using RestikManager.Contracts.Protocol;
using RestikManager.Server.Api;
using RestikManager.Server.Audit;
using RestikManager.Server.Distribution;
using RestikManager.Server.Events;

namespace RestikManager.Server.Agents;


/// <summary>Enrollment tokens and revocation, for the API and the pages alike (audited; a refusal changes nothing).</summary>
internal sealed class HostCommands(
    EnrollmentTokens tokens, AgentStore agents, AgentConnections connections, PublicUrl publicUrl, DomainEvents events, AuditLog audit)
{
    /// <summary>Sets or clears (null or empty) a host's label; plans that target labels are pushed again (they hear <see cref="HostLabelChanged"/>).</summary>
    public Refusal? SetLabel(string id, string? label, string actor)
    {
        label = string.IsNullOrWhiteSpace(label) ? null : label.Trim();
        if (label is not null && !WireValues.IsPlainText(label, 100))
        {
            return new Refusal(StatusCodes.Status400BadRequest, "invalid_label", "label: 1 to 100 characters without control characters (empty clears it).");
        }

        if (agents.Find(id) is not { RevokedAt: null } agent)
        {
            return new Refusal(StatusCodes.Status404NotFound, "not_found", $"No enrolled host with id '{id}'.");
        }

        agents.SetLabel(id, label);
        audit.Append(actor, "agent.label", $"host:{agent.Hostname}", detail: label ?? "(none)");
        events.Publish(new HostLabelChanged(id, label));
        return null;
    }

    /// <summary>A single-use token and the install lines that carry it, made against the server's public URL.</summary>
    public (CreatedEnrollmentToken? Created, Refusal? Refusal) CreateEnrollmentToken(string? label, int? expiresInMinutes, string actor, HttpRequest request)
    {
        if (EnrollmentTokens.Problem(label, expiresInMinutes) is { } problem)
        {
            return (null, new Refusal(StatusCodes.Status400BadRequest, "invalid_request", problem));
        }

        if (publicUrl.For(request) is not { } url)
        {
            return (null, new Refusal(StatusCodes.Status400BadRequest, "invalid_host", PublicUrl.InvalidHostMessage));
        }

        var (view, token) = tokens.Create(label, expiresInMinutes, actor);
        audit.Append(actor, "enrollment_token.create", $"token:{view.Id}", detail: view.Label);
        return (new CreatedEnrollmentToken(view.Id, token, view.Label, view.ExpiresAt,
            $"curl -fsSL {url}/install/install.sh | sudo sh -s -- --token {token}",
            $"$env:RM_TOKEN = '{token}'; irm {url}/install/install.ps1 | iex"), null);
    }

    /// <summary>Revokes the host's credential and drops its connection.</summary>
    public Refusal? Revoke(string id, string actor)
    {
        if (agents.Find(id) is not { } agent)
        {
            return new Refusal(StatusCodes.Status404NotFound, "not_found", $"No host with id '{id}'.");
        }

        if (!agents.Revoke(id))
        {
            return new Refusal(StatusCodes.Status409Conflict, "already_revoked", $"The credential of '{agent.Hostname}' is already revoked.");
        }

        connections.Drop(id, "credential revoked");
        audit.Append(actor, "agent.revoke", $"host:{agent.Hostname}", detail: id);
        return null;
    }
}
