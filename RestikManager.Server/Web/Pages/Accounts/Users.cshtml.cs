using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Api;

namespace RestikManager.Server.Web.Pages.Accounts;

/// <summary>Admins manage who signs in: create users, change their role, disable and enable them.</summary>
[Authorize(Policy = Roles.CanAdminister)]
internal sealed class UsersModel(UserStore users, AccountCommands commands, SecondFactors factors) : PageModel
{
    [BindProperty] public string? Username { get; set; }

    [BindProperty] public string? Password { get; set; }

    [BindProperty] public string? Role { get; set; } = Roles.Viewer;

    public IReadOnlyList<User> Users { get; private set; } = [];

    public Refusal? Refusal { get; private set; }

    public string? Done { get; private set; }

    public string? ErrorFor(string field) => Refusal?.For(field);

    /// <summary>The local accounts that have a second factor.</summary>
    public IReadOnlySet<long> WithSecondFactor { get; private set; } = new HashSet<long>();

    /// <summary>The admin's rule: every local account needs a second factor.</summary>
    public bool SecondFactorRequired { get; private set; }

    public void OnGet()
    {
        Users = users.List();
        WithSecondFactor = factors.UsersWithAny();
        SecondFactorRequired = factors.Required();
    }

    /// <summary>Requires (or no longer requires) a second factor of every local account, from its next password sign-in on.</summary>
    public IActionResult OnPostRequireSecondFactor(bool required)
    {
        factors.SetRequired(required, User.Actor());
        return Answer(null, required
            ? "Every local account now needs a second factor: those without one set it up at their next sign-in."
            : "A second factor is now each account's choice.");
    }

    /// <summary>Removes a user's second factor (a lost phone and no recovery code): they sign in with the password and set up a new one.</summary>
    public IActionResult OnPostResetSecondFactor(long id)
    {
        if (users.Find(id) is not { } user)
        {
            return Answer(new Refusal(StatusCodes.Status404NotFound, "not_found", $"No user with id {id}."), "");
        }

        factors.Remove(user, User.Actor(), everything: true);
        return Answer(null, $"'{user.Username}''s second factor is removed.");
    }

    public IActionResult OnPost()
    {
        var (user, refusal) = commands.CreateUser(Username, Password, Role, User.Actor());
        Password = null;
        return Answer(refusal, $"User '{user?.Username}' created as {user?.Role}.");
    }

    public IActionResult OnPostChange(long id, string? role, bool? disabled)
    {
        var (user, refusal) = commands.ChangeUser(id, role, disabled, User.UserId(), User.Actor());
        return Answer(refusal, $"'{user?.Username}' is now {user?.Role}{(user?.Disabled == true ? ", disabled" : "")}.");
    }

    private PageResult Answer(Refusal? refusal, string done)
    {
        if (refusal is not null)
        {
            Refusal = refusal;
            Response.StatusCode = refusal.Status;
        }
        else
        {
            Done = done;
            Username = null;
        }

        OnGet();
        return Page();
    }
}
