namespace RestikManager.Server.Accounts;

/// <summary>
/// Who may sign in with a password: everyone with a local account, or (<c>RM_OIDC_LOCAL_SIGNIN=admins</c>, where single
/// sign-on is the way in) only local admins, the break-glass accounts. Users from the provider never have a password.
/// </summary>
internal sealed record LocalSignInPolicy(bool AdminsOnly)
{
    public bool Allows(User user) => !user.External && (!AdminsOnly || user.Role == Roles.Admin);
}
