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
}
