using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace RestikManager.Server.Accounts;

/// <summary>
/// Between a right password and the second factor: a short-lived, encrypted cookie naming the user (not a session: it
/// opens nothing but the second-factor page), gone once the second step succeeds or after five minutes.
/// </summary>
internal sealed class PendingSignIn(IDataProtectionProvider protection, UserStore users)
{
    private const string CookieName = "rm_pending";
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("pending-sign-in").ToTimeLimitedDataProtector();

    public void Begin(HttpContext context, User user, string returnUrl)
    {
        var value = _protector.Protect($"{user.Id.ToString(CultureInfo.InvariantCulture)}\n{returnUrl}", Lifetime);
        context.Response.Cookies.Append(CookieName, value, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/signin",
            MaxAge = Lifetime,
        });
    }

    /// <summary>The user waiting for their second step and where they were going, or null.</summary>
    public (User User, string ReturnUrl)? Find(HttpContext context)
    {
        if (context.Request.Cookies[CookieName] is not { } value)
        {
            return null;
        }

        try
        {
            var parts = _protector.Unprotect(value).Split('\n', 2);
            return long.TryParse(parts[0], CultureInfo.InvariantCulture, out var id) && users.Find(id) is { Disabled: false } user
                ? (user, parts.Length > 1 ? parts[1] : "/")
                : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public static void End(HttpContext context) => context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/signin" });
}
