using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using RestikManager.Server.Audit;
using RestikManager.Server.Web;

namespace RestikManager.Server.Accounts;

/// <summary>Request to exchange a username and password for an API token.</summary>
internal sealed record CreateTokenRequest(string? Username, string? Password, string? Name);

/// <summary>An API token as listed (never its secret).</summary>
internal sealed record ApiTokenView(long Id, string Name, string CreatedAt, string? LastUsedAt, string? RevokedAt);

/// <summary>A new API token: the secret is shown here once and never again.</summary>
internal sealed record CreatedToken(long Id, string Name, string Token, string CreatedAt);

internal sealed record CreateUserRequest(string? Username, string? Password, string? Role);

internal sealed record UserView(long Id, string Username, string Role, string CreatedAt);

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
                ? Results.Ok(new UserView(u.Id, u.Username, u.Role, u.CreatedAt))
                : ApiErrors.Create(StatusCodes.Status401Unauthorized, "unauthorized", "This account no longer exists."))
            .RequireAuthorization(Roles.CanView);
        group.MapGet("/users", (UserStore users) => TypedResults.Ok(users.List().Select(u => new UserView(u.Id, u.Username, u.Role, u.CreatedAt)).ToList()))
            .RequireAuthorization(Roles.CanAdminister);
        group.MapPost("/users", CreateUser).RequireAuthorization(Roles.CanAdminister);
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

        var (token, secret) = tokens.Create(result.User!.Id, name);
        audit.Append($"user:{result.User.Username}", "api_token.create", $"token:{token.Id}", detail: name);
        return TypedResults.Created($"/api/v1/auth/tokens/{token.Id}", new CreatedToken(token.Id, token.Name, secret, token.CreatedAt));
    }

    private static Ok<List<ApiTokenView>> ListTokens(ClaimsPrincipal user, ApiTokenStore tokens) =>
        TypedResults.Ok(tokens.ListFor(user.UserId()).Select(t => new ApiTokenView(t.Id, t.Name, t.CreatedAt, t.LastUsedAt, t.RevokedAt)).ToList());

    private static Results<NoContent, JsonHttpResult<ErrorEnvelope>> RevokeToken(long id, ClaimsPrincipal user, ApiTokenStore tokens, AuditLog audit)
    {
        var token = tokens.Find(id);
        if (token is null || (token.UserId != user.UserId() && !user.IsInRole(Roles.Admin)))
        {
            return ApiErrors.NotFound("not_found", $"No API token {id} of yours.");
        }

        tokens.Revoke(id);
        audit.Append(user.Actor(), "api_token.revoke", $"token:{id}");
        return TypedResults.NoContent();
    }

    private static Results<Created<UserView>, JsonHttpResult<ErrorEnvelope>> CreateUser(
        CreateUserRequest request, ClaimsPrincipal admin, UserStore users, AuditLog audit)
    {
        var username = request.Username?.Trim() ?? "";
        if (username.Length is < 1 or > 64 || !username.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '@'))
        {
            return ApiErrors.BadRequest("invalid_username", "A username is 1 to 64 letters, digits, '.', '-', '_' or '@'.");
        }

        if (request.Role is null || !Roles.All.Contains(request.Role))
        {
            return ApiErrors.BadRequest("invalid_role", $"role must be one of: {string.Join(", ", Roles.All)}.");
        }

        if (PasswordHasher.Weakness(request.Password) is { } weakness)
        {
            return ApiErrors.BadRequest("weak_password", $"password {weakness}.");
        }

        var user = users.Create(username, request.Password!, request.Role);
        if (user is null)
        {
            return ApiErrors.Create(StatusCodes.Status409Conflict, "username_taken", $"There is already a user '{username}'.");
        }

        audit.Append(admin.Actor(), "user.create", $"user:{user.Username}", detail: user.Role);
        return TypedResults.Created($"/api/v1/users/{user.Id}", new UserView(user.Id, user.Username, user.Role, user.CreatedAt));
    }
}
