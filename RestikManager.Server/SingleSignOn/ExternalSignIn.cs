using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using RestikManager.Server.Accounts;
using RestikManager.Server.Audit;

namespace RestikManager.Server.SingleSignOn;

/// <summary>
/// What a verified answer from the provider becomes here: the provider's groups give the role (at every sign-in, so a
/// group removed there is a role removed here), the user is found by issuer and subject or created just in time, and
/// the session is ours (the same cookie as a password's, bounded to <see cref="OidcSettings.SessionLifetime"/>).
/// A user with no mapped group, a disabled one, or one whose name a local account holds is refused with a reason.
/// </summary>
internal sealed partial class ExternalSignIn(OidcSettings settings, UserStore users, AuditLog audit, ILogger<ExternalSignIn> log, TimeProvider time)
{
    public sealed record Outcome(ClaimsPrincipal? Principal, string? Refusal);

    public Outcome SignIn(ClaimsPrincipal fromProvider)
    {
        var issuer = settings.Issuer.AbsoluteUri.TrimEnd('/');
        var subject = fromProvider.FindFirstValue("sub") ?? "";
        var name = Name(fromProvider) ?? subject;
        var actor = $"sso:{subject}";
        var detail = $"issuer={issuer} subject={subject}";
        // A list in the token or the userinfo answer arrives as one claim per value (the handler splits JSON arrays).
        var role = settings.RoleFor(fromProvider.FindAll(settings.RoleClaim).Select(c => c.Value));
        if (subject.Length == 0)
        {
            return Refuse(actor, name, "no_subject", detail);
        }

        if (role is null)
        {
            return Refuse(actor, name, "no_role", $"{detail} (no value of '{settings.RoleClaim}' maps to a role)");
        }

        var user = users.FindExternal(issuer, subject);
        if (user is null)
        {
            user = users.CreateExternal(name, role, issuer, subject);
            if (user is null)
            {
                return Refuse(actor, name, "name_taken", $"{detail} (the name belongs to another account)");
            }

            audit.Append(actor, "user.create", $"user:{user.Username}", detail: $"{role} (single sign-on, {detail})");
        }
        else if (user.Role != role)
        {
            users.SetRole(user.Id, role);
            audit.Append(actor, "user.role", $"user:{user.Username}", detail: $"{role} (from the provider, was {user.Role}; {detail})");
            user = user with { Role = role };
        }

        if (user.Disabled)
        {
            return Refuse(actor, user.Username, "disabled", detail);
        }

        audit.Append($"user:{user.Username}", "sign_in", $"user:{user.Username}", detail: $"single sign-on, {detail}");
        return new Outcome(AccountClaims.Principal(user, CookieAuthenticationDefaults.AuthenticationScheme, provider: issuer), null);
    }

    /// <summary>Our session for a provider's sign-in: not sliding, so the provider is asked again (and its groups read) at least this often.</summary>
    public void Bound(AuthenticationProperties properties)
    {
        properties.IsPersistent = false;
        properties.AllowRefresh = false;
        properties.IssuedUtc = time.GetUtcNow();
        properties.ExpiresUtc = time.GetUtcNow() + OidcSettings.SessionLifetime;
    }

    /// <summary>A remote failure (a tampered state, a wrong issuer, an expired or reused code, an error from the provider).</summary>
    public void Failed(Exception? failure, string address)
    {
        LogFailed(log, failure?.Message ?? "unknown");
        audit.Append($"address:{address}", "sign_in", null, "denied", $"single sign-on failed: {Shorten(failure?.Message)}");
    }

    private Outcome Refuse(string actor, string name, string reason, string detail)
    {
        LogRefused(log, name, reason);
        audit.Append(actor, "sign_in", $"user:{name}", "denied", $"single sign-on: {reason}; {detail}");
        return new Outcome(null, reason);
    }

    private static readonly string[] NameClaims = ["preferred_username", "email", "name"];

    private static string? Name(ClaimsPrincipal principal) =>
        NameClaims.Select(principal.FindFirstValue).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();

    private static string Shorten(string? message) => message is null ? "unknown" : message.Length <= 300 ? message : message[..300];

    [LoggerMessage(190, LogLevel.Warning, "Single sign-on refused: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);

    [LoggerMessage(191, LogLevel.Warning, "Single sign-on refused for {Name}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string name, string reason);
}
