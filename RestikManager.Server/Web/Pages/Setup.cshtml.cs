using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;

namespace RestikManager.Server.Web.Pages;

internal sealed class SetupModel(AdminBootstrap bootstrap) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    public string? Error { get; private set; }

    public bool Done { get; private set; }

    public IActionResult OnPost(string? password, string? confirm)
    {
        if (PasswordHasher.Weakness(password) is { } weakness)
        {
            Error = $"The password {weakness}.";
        }
        else if (password != confirm)
        {
            Error = "The two passwords differ.";
        }
        else if (string.IsNullOrEmpty(Token) || !bootstrap.CompleteSetup(Token, password!))
        {
            Error = "This setup link is unknown, expired or already used. Restart the server to get a new one, or use 'restic-manager-server admin reset-password'.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        else
        {
            Done = true;
        }

        if (Error is not null && Response.StatusCode == StatusCodes.Status200OK)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        return Page();
    }
}
