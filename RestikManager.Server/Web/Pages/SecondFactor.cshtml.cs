using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;

namespace RestikManager.Server.Web.Pages;

/// <summary>
/// The second step after a right password: a code from the authenticator app or a recovery code; or, where the admin
/// requires a second factor and the account has none, setting one up (its recovery codes shown once) before going on.
/// </summary>
internal sealed class SecondFactorModel(PendingSignIn pending, SignIn signIn, SecondFactors factors, Passkeys passkeys) : PageModel
{
    public string? Error { get; private set; }

    /// <summary>Set up rather than asked: the account has no second factor and the admin requires one.</summary>
    public SecondFactors.Offer? Offer { get; private set; }

    /// <summary>The recovery codes of a second factor just set up: on this page once.</summary>
    public IReadOnlyList<string>? RecoveryCodes { get; private set; }

    public string? ContinueTo { get; private set; }

    /// <summary>The waiting account has passkeys: the page offers "Use a passkey".</summary>
    public bool HasPasskeys { get; private set; }

    /// <summary>The waiting account has an authenticator app (or recovery codes): the page asks for a code.</summary>
    public bool TakesCodes { get; private set; }

    public IActionResult OnGet()
    {
        if (pending.Find(HttpContext) is not { } waiting)
        {
            return LocalRedirect("/signin");
        }

        Offer = factors.Has(waiting.User.Id) ? null : factors.NewOffer(waiting.User);
        Describe(waiting.User);
        return Page();
    }

    /// <summary>A passkey at the second step, 1 (from passkeys.js): the options for <c>navigator.credentials.get</c>.</summary>
    public IActionResult OnPostPasskeyOptions() => pending.Find(HttpContext) is { } waiting
        ? Content(passkeys.StartAssertion(waiting.User, HttpContext).ToJson(), "application/json")
        : StatusCode(StatusCodes.Status401Unauthorized);

    /// <summary>A passkey at the second step, 2: the authenticator's signature; signed in when it verifies (throttled as codes are).</summary>
    public async Task<IActionResult> OnPostPasskeyAsync()
    {
        if (pending.Find(HttpContext) is not { } waiting)
        {
            return StatusCode(StatusCodes.Status401Unauthorized);
        }

        if (await PageJson.ReadAsync(Request) is not { } body)
        {
            return PageJson.NotJson();
        }

        var result = await signIn.CheckPasskeyAsync(waiting.User,
            () => passkeys.VerifyAsync(waiting.User, PageJson.Text(body, "token"), body["credential"], HttpContext), HttpContext);
        if (result.Error is { } error)
        {
            return PageJson.Refusal(error);
        }

        await SignInAsync(waiting.User);
        return PageJson.Of(new System.Text.Json.Nodes.JsonObject { ["redirect"] = Url.IsLocalUrl(waiting.ReturnUrl) ? waiting.ReturnUrl : "/" });
    }

    private void Describe(User user)
    {
        HasPasskeys = passkeys.List(user.Id).Count > 0;
        TakesCodes = factors.HasTotp(user.Id) || factors.RecoveryCodesLeft(user.Id) > 0;
    }

    public async Task<IActionResult> OnPostAsync(string? code)
    {
        if (pending.Find(HttpContext) is not { } waiting)
        {
            return LocalRedirect("/signin");
        }

        var result = signIn.CheckSecondFactor(waiting.User, code, HttpContext);
        if (result.Error is { } error)
        {
            Response.StatusCode = error.StatusCode ?? StatusCodes.Status401Unauthorized;
            Error = error.Value!.Error.Message;
            Describe(waiting.User);
            return Page();
        }

        await SignInAsync(waiting.User);
        return LocalRedirect(Url.IsLocalUrl(waiting.ReturnUrl) ? waiting.ReturnUrl : "/");
    }

    public async Task<IActionResult> OnPostSetupAsync(string? token, string? code)
    {
        if (pending.Find(HttpContext) is not { } waiting || factors.Has(waiting.User.Id))
        {
            return LocalRedirect("/signin");
        }

        if (factors.Confirm(waiting.User, token, code) is not { } codes)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            Error = "That code does not match the new secret (or the setup took over 15 minutes); scan the code again and give the current code.";
            Offer = factors.NewOffer(waiting.User);
            return Page();
        }

        await SignInAsync(waiting.User);
        RecoveryCodes = codes;
        ContinueTo = Url.IsLocalUrl(waiting.ReturnUrl) ? waiting.ReturnUrl : "/";
        return Page();
    }

    private async Task SignInAsync(User user)
    {
        PendingSignIn.End(HttpContext);
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            AccountClaims.Principal(user, CookieAuthenticationDefaults.AuthenticationScheme));
    }
}
