using Microsoft.Extensions.Configuration;
using RestikManager.Server.Accounts;
using RestikManager.Server.Configuration;

namespace RestikManager.Server.SingleSignOn;

/// <summary>
/// Single sign-on through an OpenID Connect provider, from the <c>RM_OIDC_*</c> environment (the contract's names). Absent
/// when <c>RM_OIDC_ISSUER</c> is not set. Validated as a whole before the server starts; a refusal names the variable and
/// never repeats the client secret.
/// </summary>
internal sealed record OidcSettings(
    Uri Issuer,
    string ClientId,
    string ClientSecret,
    IReadOnlyList<string> Scopes,
    string RoleClaim,
    IReadOnlyList<(string Role, string Value)> Roles,
    string Name,
    Uri CallbackBase)
{
    public const string Scheme = "oidc";
    public const string CallbackPath = "/signin-oidc";
    public const string SignedOutCallbackPath = "/signout-callback-oidc";

    /// <summary>How long a session begun at the provider lasts before the provider is asked again (and a changed group applies).</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);

    /// <summary>Where the provider sends users back: <c>RM_BASE_URL/signin-oidc</c>.</summary>
    public string CallbackUrl => CallbackBase.AbsoluteUri.TrimEnd('/') + CallbackPath;

    /// <summary>Where the provider sends users after its sign-out.</summary>
    public string SignedOutUrl => CallbackBase.AbsoluteUri.TrimEnd('/') + SignedOutCallbackPath;

    /// <summary>The highest of our roles that one of the user's claim values maps to, or null (refused).</summary>
    public string? RoleFor(IEnumerable<string> values)
    {
        var held = values.ToHashSet(StringComparer.Ordinal);
        return Accounts.Roles.All.FirstOrDefault(role => Roles.Any(r => r.Role == role && held.Contains(r.Value)));
    }

    public static OidcSettings? Load(IConfiguration config, Uri? baseUrl)
    {
        var issuerText = ServerSettings.Value(config, "RM_OIDC_ISSUER");
        if (issuerText is null)
        {
            foreach (var other in new[] { "RM_OIDC_CLIENT_ID", "RM_OIDC_CLIENT_SECRET", "RM_OIDC_CLIENT_SECRET_FILE", "RM_OIDC_ROLES" })
            {
                if (ServerSettings.Value(config, other) is not null)
                {
                    throw new StartupRefusedException($"{other} is set but RM_OIDC_ISSUER is not; single sign-on needs the provider's issuer URL");
                }
            }

            return null;
        }

        var allowHttp = ServerSettings.Value(config, "RM_OIDC_ALLOW_HTTP") is { } allow
            && (bool.TryParse(allow, out var parsed) ? parsed : throw ServerSettings.Refuse("RM_OIDC_ALLOW_HTTP", allow, "must be true or false"));
        if (!Uri.TryCreate(issuerText, UriKind.Absolute, out var issuer)
            || (issuer.Scheme != Uri.UriSchemeHttps && issuer.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(issuer.Query) || !string.IsNullOrEmpty(issuer.Fragment) || !string.IsNullOrEmpty(issuer.UserInfo))
        {
            throw ServerSettings.Refuse("RM_OIDC_ISSUER", issuerText, "must be the provider's absolute https:// issuer URL");
        }

        if (issuer.Scheme == Uri.UriSchemeHttp && !allowHttp)
        {
            throw ServerSettings.Refuse("RM_OIDC_ISSUER", issuerText,
                "an http:// issuer sends tokens in the clear; use https://, or set RM_OIDC_ALLOW_HTTP=true in a lab");
        }

        var clientId = ServerSettings.Value(config, "RM_OIDC_CLIENT_ID")
            ?? throw new StartupRefusedException("RM_OIDC_CLIENT_ID: not set; single sign-on needs the client id registered at the provider");
        var secret = ReadClientSecret(config);
        if (baseUrl is null)
        {
            throw new StartupRefusedException(
                $"RM_BASE_URL: not set; single sign-on needs it (the provider sends users back to RM_BASE_URL{CallbackPath}, the address registered there)");
        }

        var scopes = (ServerSettings.Value(config, "RM_OIDC_SCOPES") ?? "openid profile email")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!scopes.Contains("openid", StringComparer.Ordinal))
        {
            throw ServerSettings.Refuse("RM_OIDC_SCOPES", string.Join(' ', scopes), "must include openid");
        }

        return new OidcSettings(issuer, clientId, secret, scopes,
            ServerSettings.Value(config, "RM_OIDC_ROLE_CLAIM") ?? "groups",
            RoleMap(ServerSettings.Value(config, "RM_OIDC_ROLES")),
            ServerSettings.Value(config, "RM_OIDC_NAME") ?? "single sign-on",
            baseUrl);
    }

    private static string ReadClientSecret(IConfiguration config)
    {
        var value = ServerSettings.Value(config, "RM_OIDC_CLIENT_SECRET");
        var file = ServerSettings.Value(config, "RM_OIDC_CLIENT_SECRET_FILE");
        if (value is not null && file is not null)
        {
            throw new StartupRefusedException("RM_OIDC_CLIENT_SECRET and RM_OIDC_CLIENT_SECRET_FILE are both set; set one");
        }

        if (file is not null)
        {
            if (!Path.IsPathFullyQualified(file) || !File.Exists(file))
            {
                throw ServerSettings.Refuse("RM_OIDC_CLIENT_SECRET_FILE", file, "must be the absolute path of an existing file");
            }

            value = File.ReadAllText(file).Trim();
            if (value.Length == 0)
            {
                throw ServerSettings.Refuse("RM_OIDC_CLIENT_SECRET_FILE", file, "the file is empty");
            }
        }

        return value ?? throw new StartupRefusedException(
            "RM_OIDC_CLIENT_SECRET: not set (nor RM_OIDC_CLIENT_SECRET_FILE); the server signs in to the provider as a confidential client");
    }

    /// <summary><c>admin=rm-admins,operator=rm-ops,viewer=rm-staff</c>: a role may be named more than once.</summary>
    private static List<(string Role, string Value)> RoleMap(string? text)
    {
        if (text is null)
        {
            throw new StartupRefusedException(
                "RM_OIDC_ROLES: not set; map the provider's group values to roles (e.g. admin=rm-admins,operator=rm-ops,viewer=rm-staff): users with no mapped value are refused");
        }

        var map = new List<(string, string)>();
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            var role = at > 0 ? pair[..at].Trim() : "";
            var value = at > 0 ? pair[(at + 1)..].Trim() : "";
            if (!Accounts.Roles.All.Contains(role) || value.Length == 0)
            {
                throw ServerSettings.Refuse("RM_OIDC_ROLES", text,
                    $"'{pair}' is not role=value with a role of {string.Join(", ", Accounts.Roles.All)}");
            }

            map.Add((role, value));
        }

        return map.Count > 0 ? map : throw ServerSettings.Refuse("RM_OIDC_ROLES", text, "maps no value to a role");
    }
}
