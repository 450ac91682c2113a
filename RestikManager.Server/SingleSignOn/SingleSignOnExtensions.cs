using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using RestikManager.Server.Accounts;

namespace RestikManager.Server.SingleSignOn;

internal static class SingleSignOnExtensions
{
    /// <summary>
    /// Sign-in at an OpenID Connect provider when <c>RM_OIDC_ISSUER</c> is set: the authorization code flow with PKCE through
    /// ASP.NET Core's handler (state, nonce and issuer checked), the callback at <c>RM_BASE_URL/signin-oidc</c>, the session
    /// in our cookie. <see cref="LocalSignInPolicy"/> then decides who may still use a password.
    /// </summary>
    public static IHostApplicationBuilder AddSingleSignOn(this IHostApplicationBuilder builder, OidcSettings? oidc, bool adminsOnlyLocally)
    {
        builder.Services.AddSingleton(new LocalSignInPolicy(adminsOnlyLocally));
        if (oidc is null)
        {
            return builder;
        }

        builder.Services.AddSingleton(oidc);
        builder.Services.AddSingleton<ExternalSignIn>();
        builder.Services.AddAuthentication().AddOpenIdConnect(OidcSettings.Scheme, oidc.Name, o =>
        {
            var issuer = oidc.Issuer.AbsoluteUri.TrimEnd('/');
            o.Authority = issuer;
            o.RequireHttpsMetadata = oidc.Issuer.Scheme == Uri.UriSchemeHttps;
            o.ClientId = oidc.ClientId;
            o.ClientSecret = oidc.ClientSecret;
            o.ResponseType = OpenIdConnectResponseType.Code;
            o.UsePkce = true;
            o.Scope.Clear();
            foreach (var scope in oidc.Scopes)
            {
                o.Scope.Add(scope);
            }

            o.CallbackPath = OidcSettings.CallbackPath;
            o.SignedOutCallbackPath = OidcSettings.SignedOutCallbackPath;
            o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.SignOutScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.MapInboundClaims = false;
            o.GetClaimsFromUserInfoEndpoint = true;
            o.ClaimActions.MapJsonKey(oidc.RoleClaim, oidc.RoleClaim);
            o.ClaimActions.MapJsonKey("preferred_username", "preferred_username");
            o.SaveTokens = true;
            // The issuer is the one configured, not whatever a discovery document names: a document that names another is refused.
            o.TokenValidationParameters.ValidIssuer = issuer;
            o.TokenValidationParameters.NameClaimType = "preferred_username";
            // The answer comes back as a top-level GET (query), so the correlation and nonce cookies can be SameSite=Lax
            // (a form_post from another site would need None); Secure wherever the server is reached over HTTPS.
            o.ResponseMode = OpenIdConnectResponseMode.Query;
            o.CorrelationCookie.SameSite = SameSiteMode.Lax;
            o.NonceCookie.SameSite = SameSiteMode.Lax;
            o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Events = new OpenIdConnectEvents
            {
                OnRedirectToIdentityProvider = context =>
                {
                    context.ProtocolMessage.RedirectUri = oidc.CallbackUrl;
                    return Task.CompletedTask;
                },
                OnRedirectToIdentityProviderForSignOut = context =>
                {
                    context.ProtocolMessage.PostLogoutRedirectUri = oidc.SignedOutUrl;
                    return Task.CompletedTask;
                },
                OnTokenValidated = context =>
                {
                    // The discovery document's issuer is added to the valid ones by the handler; only ours is accepted.
                    var said = context.SecurityToken?.Issuer?.TrimEnd('/');
                    if (!string.Equals(said, issuer, StringComparison.Ordinal))
                    {
                        context.Fail($"the ID token's issuer '{said}' is not RM_OIDC_ISSUER '{issuer}'");
                    }

                    return Task.CompletedTask;
                },
                OnTicketReceived = context =>
                {
                    var signIn = context.HttpContext.RequestServices.GetRequiredService<ExternalSignIn>();
                    var outcome = signIn.SignIn(context.Principal!);
                    if (outcome.Principal is null)
                    {
                        context.HandleResponse();
                        context.Response.Redirect("/signin?sso=" + outcome.Refusal);
                        return Task.CompletedTask;
                    }

                    context.Principal = outcome.Principal;
                    // Only the id token is kept (for the provider's sign-out); the access token is not needed here.
                    var idToken = context.Properties!.GetTokenValue(OpenIdConnectParameterNames.IdToken);
                    context.Properties!.StoreTokens(idToken is null ? [] : [new AuthenticationToken { Name = OpenIdConnectParameterNames.IdToken, Value = idToken }]);
                    signIn.Bound(context.Properties!);
                    return Task.CompletedTask;
                },
                OnRemoteFailure = context =>
                {
                    context.HttpContext.RequestServices.GetRequiredService<ExternalSignIn>()
                        .Failed(context.Failure, context.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown");
                    context.HandleResponse();
                    // The user said no at the provider (or closed its consent): not a failure of anything to verify.
                    var cancelled = context.Failure?.Message.Contains("access_denied", StringComparison.Ordinal) == true;
                    context.Response.Redirect(cancelled ? "/signin?sso=cancelled" : "/signin?sso=failed");
                    return Task.CompletedTask;
                },
            };
        });
        return builder;
    }
}
