using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using RestikManager.Server.SingleSignOn;

namespace RestikManager.Server.Web.Pages;

internal sealed partial class SignOutModel(IServiceProvider services, ILogger<SignOutModel> log) : PageModel
{
    /// <summary>Ends our session; a session begun at the provider ends there too where it offers a sign-out (RP-initiated logout).</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        if (User.HasClaim(c => c.Type == RestikManager.Server.Accounts.AccountClaims.ProviderClaim) && services.GetService<OidcSettings>() is not null
            && await ProviderSignsOutAsync())
        {
            return SignOut(new AuthenticationProperties { RedirectUri = "/signin" },
                CookieAuthenticationDefaults.AuthenticationScheme, OidcSettings.Scheme);
        }

        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return LocalRedirect("/signin");
    }

    private async Task<bool> ProviderSignsOutAsync()
    {
        var options = services.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().Get(OidcSettings.Scheme);
        try
        {
            var configuration = await options.ConfigurationManager!.GetConfigurationAsync(HttpContext.RequestAborted);
            return !string.IsNullOrEmpty(configuration.EndSessionEndpoint);
        }
        catch (InvalidOperationException e)
        {
            // The provider cannot be reached: our session ends all the same.
            LogNoProviderSignOut(log, e.Message);
            return false;
        }
    }

    [LoggerMessage(192, LogLevel.Warning, "The provider's sign-out is unknown ({Reason}); ending the local session only")]
    private static partial void LogNoProviderSignOut(ILogger logger, string reason);
}
