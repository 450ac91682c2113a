using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;

namespace RestikManager.Server.Web.Pages;

internal sealed class SignInModel(SignIn signIn) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Username { get; set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnPostAsync(string? password)
    {
        var result = signIn.Check(Username, password, HttpContext);
        if (result.Error is { } error)
        {
            Response.StatusCode = error.StatusCode ?? StatusCodes.Status401Unauthorized;
            Error = error.Value!.Error.Message;
            return Page();
        }

        var principal = AccountClaims.Principal(result.User!, CookieAuthenticationDefaults.AuthenticationScheme);
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
    }
}
