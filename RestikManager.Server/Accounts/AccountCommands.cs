using RestikManager.Server.Api;
using RestikManager.Server.Audit;

namespace RestikManager.Server.Accounts;


/// <summary>
/// Users and their API tokens, for the API and the pages alike: checked, audited, and never leaving the server
/// without an admin who can sign in. A refusal changes nothing.
/// </summary>
internal sealed class AccountCommands(UserStore users, ApiTokenStore tokens, AuditLog audit)
{
    /// <summary>A bad value in <paramref name="field"/> of an account.</summary>
    public static Refusal InvalidAccount(string code, string message, string field) => Refusal.Invalid(code, field, message);

    public (User? User, Refusal? Refusal) CreateUser(string? username, string? password, string? role, string actor)
    {
        username = username?.Trim() ?? "";
        if (username.Length is < 1 or > 64 || !username.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '@'))
        {
            return (null, InvalidAccount("invalid_username", "A username is 1 to 64 letters, digits, '.', '-', '_' or '@'.", "username"));
        }

        if (RoleProblem(role) is { } roleProblem)
        {
            return (null, roleProblem);
        }

        if (PasswordHasher.Weakness(password) is { } weakness)
        {
            return (null, InvalidAccount("weak_password", $"password {weakness}.", "password"));
        }

        if (users.Create(username, password!, role!) is not { } user)
        {
            return (null, new Refusal(StatusCodes.Status409Conflict, "username_taken", $"There is already a user '{username}'.", "username"));
        }

        audit.Append(actor, "user.create", $"user:{user.Username}", detail: user.Role);
        return (user, null);
    }

    /// <summary>Changes a user's role and/or disables or enables it; the last admin who can sign in stays one.</summary>
    public (User? User, Refusal? Refusal) ChangeUser(long id, string? role, bool? disabled, long actorId, string actor)
    {
        if (users.Find(id) is not { } user)
        {
            return (null, new Refusal(StatusCodes.Status404NotFound, "not_found", $"No user with id {id}."));
        }

        if (role is not null && RoleProblem(role) is { } roleProblem)
        {
            return (null, roleProblem);
        }

        if (disabled == true && id == actorId)
        {
            return (null, new Refusal(StatusCodes.Status409Conflict, "self", "You cannot disable your own account.", "disabled"));
        }

        var losesAdmin = user is { Role: Roles.Admin, Disabled: false } && ((role is not null && role != Roles.Admin) || disabled == true);
        if (losesAdmin && users.ActiveAdmins() <= 1)
        {
            return (null, new Refusal(StatusCodes.Status409Conflict, "last_admin", $"'{user.Username}' is the last admin who can sign in; make another admin first.", role is null ? "disabled" : "role"));
        }

        if (role is not null && role != user.Role)
        {
            users.SetRole(id, role);
            audit.Append(actor, "user.role", $"user:{user.Username}", detail: role);
        }

        if (disabled is { } off && off != user.Disabled)
        {
            users.SetDisabled(id, off);
            audit.Append(actor, off ? "user.disable" : "user.enable", $"user:{user.Username}");
        }

        return (users.Find(id), null);
    }

    /// <summary>A signed-in user's new password, given the current one.</summary>
    public Refusal? ChangePassword(long userId, string? current, string? password, string actor)
    {
        if (users.Find(userId) is { External: true })
        {
            return new Refusal(StatusCodes.Status409Conflict, "external_account",
                "This account signs in with single sign-on and has no password here; change it at the identity provider.");
        }

        if (users.Find(userId) is not { } user || !PasswordHasher.Verify(current ?? "", user.PasswordHash))
        {
            return InvalidAccount("wrong_password", "The current password is wrong.", "currentPassword");
        }

        if (PasswordHasher.Weakness(password) is { } weakness)
        {
            return InvalidAccount("weak_password", $"The new password {weakness}.", "newPassword");
        }

        users.SetPassword(user.Username, password!);
        audit.Append(actor, "user.password", $"user:{user.Username}");
        return null;
    }

    /// <summary>A new API token of <paramref name="userId"/>; its secret is in the answer once and never again.</summary>
    public ((ApiToken Token, string Secret)? Created, Refusal? Refusal) CreateToken(long userId, string? name, string actor)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100 || name.Any(char.IsControl))
        {
            return (null, InvalidAccount("invalid_name", "Give the token a name of 1 to 100 characters (what will use it).", "name"));
        }

        var created = tokens.Create(userId, name);
        audit.Append(actor, "api_token.create", $"token:{created.Token.Id}", detail: name);
        return (created, null);
    }

    /// <summary>Revokes a token of <paramref name="userId"/> (an admin may revoke anyone's).</summary>
    public Refusal? RevokeToken(long id, long userId, bool isAdmin, string actor)
    {
        if (tokens.Find(id) is not { } token || (token.UserId != userId && !isAdmin))
        {
            return new Refusal(StatusCodes.Status404NotFound, "not_found", $"No API token {id} of yours.");
        }

        tokens.Revoke(id);
        audit.Append(actor, "api_token.revoke", $"token:{id}");
        return null;
    }

    private static Refusal? RoleProblem(string? role) => role is null || !Roles.All.Contains(role)
        ? InvalidAccount("invalid_role", $"role must be one of: {string.Join(", ", Roles.All)}.", "role")
        : null;
}
