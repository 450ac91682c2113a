namespace RestikManager.Server.Accounts;

/// <summary>The three roles and the authorization policies built on them.</summary>
internal static class Roles
{
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string Viewer = "viewer";

    /// <summary>Policy: any signed-in role may read.</summary>
    public const string CanView = "can-view";

    /// <summary>Policy: operators and admins may act (run, restore, change plans).</summary>
    public const string CanOperate = "can-operate";

    /// <summary>Policy: admins only (users, enrollment, agent credentials).</summary>
    public const string CanAdminister = "can-administer";

    public static readonly string[] All = [Admin, Operator, Viewer];

    /// <summary>What <see cref="CanOperate"/> allows, for pages deciding which actions to show.</summary>
    public static bool MayOperate(this System.Security.Claims.ClaimsPrincipal user) => user.IsInRole(Operator) || user.IsInRole(Admin);

    /// <summary>What <see cref="CanAdminister"/> allows.</summary>
    public static bool MayAdminister(this System.Security.Claims.ClaimsPrincipal user) => user.IsInRole(Admin);

    /// <summary>The signed-in user's role, for the header.</summary>
    public static string? RoleOf(System.Security.Claims.ClaimsPrincipal user) => All.FirstOrDefault(user.IsInRole);
}
