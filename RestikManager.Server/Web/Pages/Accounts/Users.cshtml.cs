using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Api;

namespace RestikManager.Server.Web.Pages.Accounts;

/// <summary>Admins manage who signs in: create users, change their role, disable and enable them.</summary>
[Authorize(Policy = Roles.CanAdminister)]
internal sealed class UsersModel(UserStore users, AccountCommands commands) : PageModel
{
    [BindProperty] public string? Username { get; set; }

    [BindProperty] public string? Password { get; set; }

    [BindProperty] public string? Role { get; set; } = Roles.Viewer;

    public IReadOnlyList<User> Users { get; private set; } = [];

    public Refusal? Refusal { get; private set; }

    public string? Done { get; private set; }

    public string? ErrorFor(string field) => Refusal?.For(field);

    public void OnGet() => Users = users.List();

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
