using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using RestikManager.Server.Api;
using RestikManager.Server.Audit;

namespace RestikManager.Server.Accounts;

/// <summary>The one username/password check, shared by the sign-in page and the token exchange: throttled, audited, constant-time.</summary>
internal sealed class SignIn(UserStore users, SignInThrottle throttle, AuditLog audit, LocalSignInPolicy policy, SecondFactors factors)
{
    public sealed record Outcome(User? User, JsonHttpResult<ErrorEnvelope>? Error);

    public Outcome Check(string? username, string? password, HttpContext context)
    {
        username = username?.Trim() ?? "";
        var address = Address(context);
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

        if (!policy.Allows(user))
        {
            audit.Append($"address:{address}", "sign_in", $"user:{username}", "denied", "password sign-in is for local admins only");
            return new(null, ApiErrors.Create(StatusCodes.Status403Forbidden, "password_sign_in_off",
                "Password sign-in is kept for local admins here; sign in with single sign-on."));
        }

        // A right password clears the account's failures only when it is the whole sign-in: otherwise it would also clear
        // the failed codes, and password + a few guesses, again and again, would guess the second factor.
        var secondStep = NeedsSecondStep(user);
        if (!secondStep)
        {
            throttle.Succeeded(username);
        }

        audit.Append($"user:{user.Username}", "sign_in", $"user:{user.Username}", detail: secondStep ? "password; a second factor follows" : null);
        return new(user, null);
    }

    /// <summary>Whether a password's sign-in must be followed by a second factor (one set up, or the admin's rule).</summary>
    public bool NeedsSecondStep(User user) => !user.External && (factors.Has(user.Id) || factors.Required());

    /// <summary>The second step: a code from the user's authenticator or a recovery code, throttled as passwords are.</summary>
    public Outcome CheckSecondFactor(User user, string? code, HttpContext context)
    {
        var address = Address(context);
        if (Throttled(user, address, context) is { } throttled)
        {
            return throttled;
        }

        if (string.IsNullOrWhiteSpace(code))
        {
            return new(null, ApiErrors.Create(StatusCodes.Status401Unauthorized, "second_factor_required",
                "This account has a second factor: give the code from the authenticator app (or a recovery code) as code."));
        }

        return Judged(user, address, factors.Verify(user, code), "second factor", "wrong or reused second-factor code",
            "invalid_code", "Wrong or already used code; wait for the next one from the app.");
    }

    /// <summary>The second step by passkey: <paramref name="verify"/> runs only when the account is not throttled.</summary>
    public async Task<Outcome> CheckPasskeyAsync(User user, Func<Task<bool>> verify, HttpContext context)
    {
        var address = Address(context);
        return Throttled(user, address, context) ?? Judged(user, address, await verify(), "passkey", "passkey did not verify",
            "invalid_passkey", "The passkey's answer did not verify; try again.");
    }

    private Outcome? Throttled(User user, string address, HttpContext context)
    {
        if (throttle.RetryAfter(user.Username, address) is not { } wait)
        {
            return null;
        }

        audit.Append($"address:{address}", "sign_in", $"user:{user.Username}", "denied", "throttled (second factor)");
        context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return new(null, ApiErrors.Create(StatusCodes.Status429TooManyRequests, "too_many_attempts",
            "Too many failed sign-in attempts for this account or from this address; try again later."));
    }

    // A second step's verdict, counted by the throttle and audited: a failure counts toward the lock-out, a success clears it.
    private Outcome Judged(User user, string address, bool ok, string how, string denied, string code, string message)
    {
        if (!ok)
        {
            throttle.Failed(user.Username, address);
            audit.Append($"address:{address}", "sign_in", $"user:{user.Username}", "denied", denied);
            return new(null, ApiErrors.Create(StatusCodes.Status401Unauthorized, code, message));
        }

        throttle.Succeeded(user.Username);
        audit.Append($"user:{user.Username}", "sign_in", $"user:{user.Username}", detail: how);
        return new(user, null);
    }

    private static string Address(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>For the API's token exchange: the second step in the same request, or a refusal saying what is missing.</summary>
    public Outcome CheckSecondFactorForToken(User user, string? code, HttpContext context)
    {
        if (!NeedsSecondStep(user))
        {
            return new(user, null);
        }

        if (!factors.Has(user.Id))
        {
            return new(null, ApiErrors.Create(StatusCodes.Status403Forbidden, "second_factor_setup_required",
                "Every local account needs a second factor here: sign in on the web page once to set one up."));
        }

        return CheckSecondFactor(user, code, context);
    }
}
