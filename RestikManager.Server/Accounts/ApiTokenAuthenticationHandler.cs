using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using RestikManager.Server.Api;

namespace RestikManager.Server.Accounts;

/// <summary><c>Authorization: Bearer rmt_…</c> for automation.</summary>
internal sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ApiTokenStore tokens, UserStore users)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var found = tokens.Authenticate(header["Bearer ".Length..].Trim(), users);
        if (found is not { } hit)
        {
            return Task.FromResult(AuthenticateResult.Fail("invalid or revoked API token"));
        }

        var principal = AccountClaims.Principal(hit.User, SchemeName, hit.Token.Id);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        WriteError(StatusCodes.Status401Unauthorized, "unauthorized", "Sign in: send 'Authorization: Bearer <API token>'.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteError(StatusCodes.Status403Forbidden, "forbidden", "Your role does not allow this.");

    private Task WriteError(int status, string code, string message) =>
        ApiErrors.Create(status, code, message).ExecuteAsync(Context);
}

internal static class AccountClaims
{
    public const string TokenIdClaim = "rm:token-id";

    /// <summary>The claim that marks a session begun at an OpenID provider (its issuer): sign-out then ends the provider's too.</summary>
    public const string ProviderClaim = "rm:sso";

    /// <summary>The user's principal; <paramref name="provider"/>, the issuer of a session begun at an OpenID provider.</summary>
    public static ClaimsPrincipal Principal(User user, string scheme, long? tokenId = null, string? provider = null)
    {
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, user.Username),
            new(ClaimTypes.Role, user.Role),
        ];
        if (tokenId is { } id)
        {
            claims.Add(new Claim(TokenIdClaim, id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (provider is not null)
        {
            claims.Add(new Claim(ProviderClaim, provider));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    public static long UserId(this ClaimsPrincipal principal) =>
        long.Parse(principal.FindFirstValue(ClaimTypes.NameIdentifier)!, System.Globalization.CultureInfo.InvariantCulture);

    public static string Actor(this ClaimsPrincipal principal) => $"user:{principal.Identity?.Name ?? "?"}";
}
