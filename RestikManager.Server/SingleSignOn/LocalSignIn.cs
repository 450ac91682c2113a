using Microsoft.Extensions.Configuration;
using RestikManager.Server.Configuration;

namespace RestikManager.Server.SingleSignOn;

/// <summary><c>RM_OIDC_LOCAL_SIGNIN</c>: <c>all</c> (the default) or <c>admins</c> (passwords only for local admins: break-glass).</summary>
internal static class LocalSignIn
{
    public static bool AdminsOnly(IConfiguration config, OidcSettings? oidc)
    {
        var value = ServerSettings.Value(config, "RM_OIDC_LOCAL_SIGNIN");
        switch (value)
        {
            case null or "all":
                return false;
            case "admins" when oidc is null:
                throw ServerSettings.Refuse("RM_OIDC_LOCAL_SIGNIN", value, "needs single sign-on (RM_OIDC_ISSUER): otherwise only admins could sign in");
            case "admins":
                return true;
            default:
                throw ServerSettings.Refuse("RM_OIDC_LOCAL_SIGNIN", value, "must be all or admins");
        }
    }
}
