using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using RestikManager.Server.Api;
using RestikManager.Server.Configuration;

namespace RestikManager.Server.Accounts;

internal static class AccountsExtensions
{
    private const string SelectScheme = "select";

    /// <summary>
    /// Users, API tokens, sign-in throttling, and authentication: cookies for the web UI, bearer API tokens
    /// for <c>/api</c> (which never accepts cookies, so a cross-site request cannot act for a signed-in user).
    /// </summary>
    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder, ServerSettings settings)
    {
        builder.AddJson(AccountsJson.Default);
        var services = builder.Services;
        services.AddSingleton<UserStore>();
        services.AddSingleton<ApiTokenStore>();
        services.AddSingleton<AccountCommands>();
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<SignIn>();
        services.AddSingleton<SecondFactors>();
        services.AddSingleton<Passkeys>();
        services.AddSingleton<PendingSignIn>();
        services.AddSingleton<AdminBootstrap>();
        services.AddDataProtection()
            .SetApplicationName("restic-manager")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Join(settings.DataDir, "keys")));
        // On PostgreSQL the key ring is shared by every replica, in the database and sealed with the secret key.
        services.AddOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>()
            .Configure<Data.Database, Data.SecretKey>((o, database, key) =>
            {
                if (database.Engine == Data.DatabaseEngine.Postgres)
                {
                    o.XmlRepository = new DatabaseXmlRepository(database);
                    o.XmlEncryptor = new SecretKeyXmlEncryptor(key);
                }
            });

        services.AddAuthentication(SelectScheme)
            // The API takes tokens; pages take the cookie; the API's document takes either (a script's token, a browser's session).
            .AddPolicyScheme(SelectScheme, "cookie or API token", o => o.ForwardDefaultSelector = context =>
                context.Request.Path.StartsWithSegments("/api")
                || (context.Request.Path.StartsWithSegments("/openapi") && context.Request.Headers.Authorization.Count > 0)
                    ? ApiTokenAuthenticationHandler.SchemeName : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddCookie(o =>
            {
                o.LoginPath = "/signin";
                o.LogoutPath = "/signout";
                o.Cookie.Name = "rm_session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;

                // Every request re-reads the account: a disabled or deleted user is signed out at once, a changed role applies now.
                o.Events.OnValidatePrincipal = context =>
                {
                    var users = context.HttpContext.RequestServices.GetRequiredService<UserStore>();
                    var id = context.Principal?.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value;
                    var user = long.TryParse(id, System.Globalization.CultureInfo.InvariantCulture, out var userId) ? users.Find(userId) : null;
                    if (user is null || user.Disabled)
                    {
                        context.RejectPrincipal();
                        return context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                    }

                    if (!context.Principal!.IsInRole(user.Role))
                    {
                        context.ReplacePrincipal(AccountClaims.Principal(user, CookieAuthenticationDefaults.AuthenticationScheme,
                            provider: context.Principal.FindFirst(AccountClaims.ProviderClaim)?.Value));
                        context.ShouldRenew = true;
                    }

                    return Task.CompletedTask;
                };

                // A signed-in user without the role gets 403 (a viewer's forged POST), never a redirect to sign in.
                o.Events.OnRedirectToAccessDenied = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.CanView, p => p.RequireRole(Roles.Viewer, Roles.Operator, Roles.Admin))
            .AddPolicy(Roles.CanOperate, p => p.RequireRole(Roles.Operator, Roles.Admin))
            .AddPolicy(Roles.CanAdminister, p => p.RequireRole(Roles.Admin));
        return builder;
    }
}
