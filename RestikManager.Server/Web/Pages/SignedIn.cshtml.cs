using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace RestikManager.Server.Web.Pages;

/// <summary>
/// The first page after the provider's callback. The session cookie is SameSite=Strict, and a browser does not send it on
/// a navigation that began at the provider (another site); this page goes on from our own origin, where it is sent.
/// </summary>
internal sealed class SignedInModel : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    public void OnGet() => To = Url.IsLocalUrl(To) ? To : "/";
}
