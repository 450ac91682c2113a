using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using RestikManager.Server.Api;
using RestikManager.Server.Audit;

namespace RestikManager.Server.Accounts;

/// <summary>Request to exchange a username and password for an API token.</summary>
/// <summary>A token for a username and password; <c>Code</c> is the second factor's code where the account has one.</summary>
internal sealed record CreateTokenRequest(string? Username, string? Password, string? Name, string? Code = null);

/// <summary>An API token as listed (never its secret).</summary>
internal sealed record ApiTokenView(long Id, string Name, string CreatedAt, string? LastUsedAt, string? RevokedAt);

/// <summary>A new API token: the secret is shown here once and never again.</summary>
internal sealed record CreatedToken(long Id, string Name, string Token, string CreatedAt);

internal sealed record CreateUserRequest(string? Username, string? Password, string? Role);

/// <summary>A user; <c>Issuer</c> is the OpenID provider of a user who signs in there (null for a local account).</summary>
internal sealed record UserView(long Id, string Username, string Role, string CreatedAt, bool Disabled = false, string? Issuer = null)
{
    public static UserView Of(User u) => new(u.Id, u.Username, u.Role, u.CreatedAt, u.Disabled, u.Issuer);
}

/// <summary>A change to a user: a new role and/or disabled (true) or enabled (false); absent means unchanged.</summary>
internal sealed record ChangeUserRequest(string? Role, bool? Disabled);

/// <summary>A signed-in user's own password change.</summary>
internal sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

/// <summary><c>/api/v1/auth/tokens</c>, <c>/api/v1/me</c> and <c>/api/v1/users</c>.</summary>
internal static class AccountsApi
{
    public static RouteGroupBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Accounts");
        group.MapPost("/auth/tokens", CreateToken).AllowAnonymous();
        group.MapGet("/auth/tokens", ListTokens).RequireAuthorization(Roles.CanView);
        group.MapDelete("/auth/tokens/{id:long}", RevokeToken).RequireAuthorization(Roles.CanView);
        group.MapGet("/me", (ClaimsPrincipal principal, UserStore users) => users.Find(principal.UserId()) is { } u
                ? Results.Ok(UserView.Of(u))
                : ApiErrors.Create(StatusCodes.Status401Unauthorized, "unauthorized", "This account no longer exists."))
            .RequireAuthorization(Roles.CanView);
        group.MapPost("/me/password", ChangePassword).RequireAuthorization(Roles.CanView);
        group.MapGet("/users", (UserStore users) => TypedResults.Ok(users.List().Select(UserView.Of).ToList()))
            .RequireAuthorization(Roles.CanAdminister);
        group.MapPost("/users", CreateUser).RequireAuthorization(Roles.CanAdminister);
        group.MapPut("/users/{id:long}", ChangeUser).RequireAuthorization(Roles.CanAdminister);
        return group;
    }

    private static Results<Created<CreatedToken>, JsonHttpResult<ErrorEnvelope>> CreateToken(
        CreateTokenRequest request, HttpContext context, SignIn signIn, ApiTokenStore tokens, AuditLog audit)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            return ApiErrors.BadRequest("invalid_name", "Give the token a name of 1 to 100 characters (what will use it).");
        }

        var result = signIn.Check(request.Username, request.Password, context);
        if (result.Error is { } error)
        {
            return error;
        }

        result = signIn.CheckSecondFactorForToken(result.User!, request.Code, context);
        if (result.Error is { } secondError)
        {
            return secondError;
        }

        var (token, secret) = tokens.Create(result.User!.Id, name);
        audit.Append($"user:{result.User.Username}", "api_token.create", $"token:{token.Id}", detail: name);
        return TypedResults.Created($"/api/v1/auth/tokens/{token.Id}", new CreatedToken(token.Id, token.Name, secret, token.CreatedAt));
    }

    private static Ok<List<ApiTokenView>> ListTokens(ClaimsPrincipal user, ApiTokenStore tokens) =>
        TypedResults.Ok(tokens.ListFor(user.UserId()).Select(t => new ApiTokenView(t.Id, t.Name, t.CreatedAt, t.LastUsedAt, t.RevokedAt)).ToList());

    private static Results<NoContent, JsonHttpResult<ErrorEnvelope>> RevokeToken(long id, ClaimsPrincipal user, AccountCommands commands) =>
        commands.RevokeToken(id, user.UserId(), user.IsInRole(Roles.Admin), user.Actor()) is { } refusal ? refusal.ToResult() : TypedResults.NoContent();

    private static Results<Created<UserView>, JsonHttpResult<ErrorEnvelope>> CreateUser(
        CreateUserRequest request, ClaimsPrincipal admin, AccountCommands commands)
    {
        var (user, refusal) = commands.CreateUser(request.Username, request.Password, request.Role, admin.Actor());
        return refusal is not null ? refusal.ToResult() : TypedResults.Created($"/api/v1/users/{user!.Id}", UserView.Of(user));
    }

    private static Results<Ok<UserView>, JsonHttpResult<ErrorEnvelope>> ChangeUser(
        long id, ChangeUserRequest request, ClaimsPrincipal admin, AccountCommands commands)
    {
        var (user, refusal) = commands.ChangeUser(id, request.Role, request.Disabled, admin.UserId(), admin.Actor());
        return refusal is not null ? refusal.ToResult() : TypedResults.Ok(UserView.Of(user!));
    }

    private static Results<NoContent, JsonHttpResult<ErrorEnvelope>> ChangePassword(
        ChangePasswordRequest request, ClaimsPrincipal user, AccountCommands commands) =>
        commands.ChangePassword(user.UserId(), request.CurrentPassword, request.NewPassword, user.Actor()) is { } refusal
            ? refusal.ToResult() : TypedResults.NoContent();

}
