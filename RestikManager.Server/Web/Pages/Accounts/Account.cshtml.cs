using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Api;

namespace RestikManager.Server.Web.Pages.Accounts;

/// <summary>Everyone's own account: change the password, and the API tokens (a new one's secret is shown once).</summary>
[Authorize(Policy = Roles.CanView)]
internal sealed class AccountModel(ApiTokenStore tokens, AccountCommands commands) : PageModel
{
    public IReadOnlyList<ApiToken> Tokens { get; private set; } = [];

    /// <summary>The secret of the token just created: on this page once, never again.</summary>
    public string? NewSecret { get; private set; }

    public Refusal? Refusal { get; private set; }

    public string? Done { get; private set; }

    public string? ErrorFor(string field) => Refusal?.For(field);

    public void OnGet() => Tokens = tokens.ListFor(User.UserId());

    public IActionResult OnPostPassword(string? currentPassword, string? newPassword, string? confirmPassword) =>
        Answer(newPassword != confirmPassword ? AccountCommands.InvalidAccount("mismatch", "The two new passwords differ.", "confirmPassword")
            : commands.ChangePassword(User.UserId(), currentPassword, newPassword, User.Actor()), "Your password is changed.");

    public IActionResult OnPostToken(string? name)
    {
        var (created, refusal) = commands.CreateToken(User.UserId(), name, User.Actor());
        NewSecret = created?.Secret;
        return Answer(refusal, $"Token '{created?.Token.Name}' created. Copy it now: it is not shown again.");
    }

    public IActionResult OnPostRevoke(long id) =>
        Answer(commands.RevokeToken(id, User.UserId(), isAdmin: false, User.Actor()), "Token revoked.");

    private PageResult Answer(Refusal? refusal, string done)
    {
        if (refusal is not null)
        {
            Refusal = refusal;
            NewSecret = null;
            Response.StatusCode = refusal.Status;
        }
        else
        {
            Done = done;
        }

        OnGet();
        return Page();
    }
}
