using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.SingleSignOn;

namespace RestikManager.Server.Web.Pages;

internal sealed partial class SignInModel(SignIn signIn, PendingSignIn pending, IServiceProvider services, ILogger<SignInModel> log) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Username { get; set; }

    /// <summary>Why single sign-on refused the last attempt (<c>?sso=</c>), set by the provider's callback.</summary>
    [BindProperty(SupportsGet = true, Name = "sso")]
    public string? SsoRefusal { get; set; }

    public string? Error { get; private set; }

    /// <summary>The provider's button label, when single sign-on is set up.</summary>
    public string? SsoName => services.GetService<OidcSettings>()?.Name;

    public void OnGet()
    {
        Error = SsoRefusal switch
        {
            null => null,
            "no_role" => $"Your account at {SsoName} is in no group that has a role here; ask an admin to add you to one.",
            "name_taken" => "Your name at the provider belongs to an account of this server already; ask an admin.",
            "disabled" => "This account is disabled; ask an admin.",
            "cancelled" => $"Sign-in with {SsoName} was cancelled at the provider.",
            "no_subject" => "The provider did not say who you are (no subject); ask an admin to check its setup.",
            _ => $"Sign-in with {SsoName} failed: the provider's answer could not be verified (it may have expired); try again.",
        };
        if (Error is not null)
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
        }
    }

    public async Task<IActionResult> OnPostAsync(string? password)
    {
        var result = signIn.Check(Username, password, HttpContext);
        if (result.Error is { } error)
        {
            Response.StatusCode = error.StatusCode ?? StatusCodes.Status401Unauthorized;
            Error = error.Value!.Error.Message;
            return Page();
        }

        if (signIn.NeedsSecondStep(result.User!))
        {
            pending.Begin(HttpContext, result.User!, SafeReturn);
            return LocalRedirect("/signin/second-factor");
        }

        var principal = AccountClaims.Principal(result.User!, CookieAuthenticationDefaults.AuthenticationScheme);
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        return LocalRedirect(SafeReturn);
    }

    /// <summary>"Sign in with …": to the provider, back here at <c>/signin-oidc</c>; a provider that cannot be reached is said so.</summary>
    public async Task<IActionResult> OnPostSsoAsync()
    {
        if (SsoName is null)
        {
            return NotFound();
        }

        try
        {
            await HttpContext.ChallengeAsync(OidcSettings.Scheme,
                new AuthenticationProperties { RedirectUri = "/signin/continue?to=" + Uri.EscapeDataString(SafeReturn) });
            return new EmptyResult();
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or Microsoft.IdentityModel.Protocols.OpenIdConnect.OpenIdConnectProtocolException)
        {
            LogProviderUnreachable(log, e.Message);
            Response.StatusCode = StatusCodes.Status502BadGateway;
            Error = $"{SsoName} could not be reached or refused the request; try again, or ask an admin to check the single sign-on setup.";
            SsoRefusal = "unreachable";
            return Page();
        }
    }

    [LoggerMessage(193, LogLevel.Warning, "Single sign-on could not start: {Reason}")]
    private static partial void LogProviderUnreachable(ILogger logger, string reason);

    private string SafeReturn => Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/";
}
