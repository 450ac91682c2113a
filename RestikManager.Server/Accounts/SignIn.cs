using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using RestikManager.Server.Api;
using RestikManager.Server.Audit;

namespace RestikManager.Server.Accounts;

/// <summary>The one username/password check, shared by the sign-in page and the token exchange: throttled, audited, constant-time.</summary>
internal sealed class SignIn(UserStore users, SignInThrottle throttle, AuditLog audit)
{
    public sealed record Outcome(User? User, JsonHttpResult<ErrorEnvelope>? Error);

    public Outcome Check(string? username, string? password, HttpContext context)
    {
        username = username?.Trim() ?? "";
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (throttle.RetryAfter(username, address) is { } wait)
        {
            audit.Append($"address:{address}", "sign_in", $"user:{username}", "denied", "throttled");
            var minutes = Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes));
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return new(null, ApiErrors.Create(StatusCodes.Status429TooManyRequests, "too_many_attempts",
                $"Too many failed sign-in attempts for this account or from this address; try again in {minutes} minute{(minutes == 1 ? "" : "s")}."));
        }

        var user = username.Length > 0 ? users.Find(username) : null;
        if (!PasswordHasher.Verify(password ?? "", user?.PasswordHash) || user is null)
        {
            throttle.Failed(username, address);
            audit.Append($"address:{address}", "sign_in", $"user:{username}", "denied", "invalid credentials");
            return new(null, ApiErrors.Create(StatusCodes.Status401Unauthorized, "invalid_credentials", "Wrong username or password."));
        }

        if (user.Disabled)
        {
            audit.Append($"address:{address}", "sign_in", $"user:{username}", "denied", "account disabled");
            return new(null, ApiErrors.Create(StatusCodes.Status403Forbidden, "account_disabled", "This account is disabled; ask an admin."));
        }

        throttle.Succeeded(username);
        audit.Append($"user:{user.Username}", "sign_in", $"user:{user.Username}");
        return new(user, null);
    }
}
