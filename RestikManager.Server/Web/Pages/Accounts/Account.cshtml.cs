using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Api;

namespace RestikManager.Server.Web.Pages.Accounts;

/// <summary>Everyone's own account: change the password, and the API tokens (a new one's secret is shown once).</summary>
[Authorize(Policy = Roles.CanView)]
internal sealed class AccountModel(ApiTokenStore tokens, AccountCommands commands, UserStore users, SecondFactors factors, Passkeys passkeys) : PageModel
{
    public IReadOnlyList<ApiToken> Tokens { get; private set; } = [];

    /// <summary>The secret of the token just created: on this page once, never again.</summary>
    public string? NewSecret { get; private set; }

    public Refusal? Refusal { get; private set; }

    public string? Done { get; private set; }

    public string? ErrorFor(string field) => Refusal?.For(field);

    /// <summary>Whether this account is local (a password, and a second factor of its own) rather than the provider's.</summary>
    public bool Local { get; private set; }

    public bool HasSecondFactor { get; private set; }

    public IReadOnlyList<Passkey> Passkeys { get; private set; } = [];

    public int RecoveryCodesLeft { get; private set; }

    /// <summary>A secret being set up: its QR code and the token to confirm it with.</summary>
    public SecondFactors.Offer? Offer { get; private set; }

    /// <summary>The recovery codes of the second factor just set up: on this page once.</summary>
    public IReadOnlyList<string>? RecoveryCodes { get; private set; }

    public void OnGet()
    {
        Tokens = tokens.ListFor(User.UserId());
        var user = users.Find(User.UserId());
        Local = user is { External: false };
        HasSecondFactor = factors.HasTotp(User.UserId());
        Passkeys = passkeys.List(User.UserId());
        RecoveryCodesLeft = HasSecondFactor ? factors.RecoveryCodesLeft(User.UserId()) : 0;
    }

    /// <summary>Shows a new authenticator secret to scan; nothing changes until a code from it is confirmed.</summary>
    public IActionResult OnPostFactorOffer()
    {
        if (users.Find(User.UserId()) is not { External: false } user || factors.HasTotp(user.Id))
        {
            return Answer(AccountCommands.InvalidAccount("second_factor", "This account cannot add an authenticator now.", "code"), "");
        }

        OnGet();
        Offer = factors.NewOffer(user);
        return Page();
    }

    public IActionResult OnPostFactorConfirm(string? token, string? code)
    {
        var user = users.Find(User.UserId())!;
        if (user.External || factors.HasTotp(user.Id))
        {
            return Answer(AccountCommands.InvalidAccount("second_factor", "This account cannot add an authenticator now.", "code"), "");
        }

        RecoveryCodes = factors.Confirm(user, token, code);
        if (RecoveryCodes is null)
        {
            var page = Answer(AccountCommands.InvalidAccount("invalid_code", "That code does not match the new secret; scan it again and give the current code.", "code"), "");
            Offer = factors.NewOffer(user);
            return page;
        }

        return Answer(null, "Your authenticator app is set up. Keep the recovery codes below: they are not shown again.");
    }

    /// <summary>Passkey registration, step 1 (from passkeys.js): the options for <c>navigator.credentials.create</c>.</summary>
    public IActionResult OnPostPasskeyOptions() => users.Find(User.UserId()) is { External: false } user
        ? Content(passkeys.StartRegistration(user, HttpContext).ToJson(), "application/json")
        : StatusCode(StatusCodes.Status403Forbidden);

    /// <summary>Passkey registration, step 2: the authenticator's answer; the first passkey of an account without recovery codes gets them.</summary>
    public async Task<IActionResult> OnPostPasskeyRegisterAsync()
    {
        if (users.Find(User.UserId()) is not { External: false } user)
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        if (await PageJson.ReadAsync(Request) is not { } body)
        {
            return PageJson.NotJson();
        }

        if (await passkeys.FinishRegistrationAsync(user, PageJson.Text(body, "token"), body["credential"], PageJson.Text(body, "name"), HttpContext) is { } problem)
        {
            return PageJson.Refusal(ApiErrors.BadRequest("invalid_passkey", problem));
        }

        var codes = factors.EnsureRecoveryCodes(user);
        return PageJson.Of(new System.Text.Json.Nodes.JsonObject
        {
            ["recoveryCodes"] = codes is null ? null : new System.Text.Json.Nodes.JsonArray([.. codes.Select(c => (System.Text.Json.Nodes.JsonNode?)c)]),
        });
    }

    public IActionResult OnPostPasskeyRemove(long id)
    {
        var user = users.Find(User.UserId())!;
        return passkeys.Remove(user, id, User.Actor())
            ? Answer(null, "The passkey is removed.")
            : Answer(new Refusal(StatusCodes.Status404NotFound, "not_found", "No such passkey of yours."), "");
    }

    /// <summary>Removes the second factor; a current code (or a recovery code) proves it is the owner, and the admin's rule still holds at the next sign-in.</summary>
    public IActionResult OnPostFactorRemove(string? code)
    {
        var user = users.Find(User.UserId())!;
        if (!factors.Verify(user, code))
        {
            return Answer(AccountCommands.InvalidAccount("invalid_code", "Wrong or already used code.", "code"), "");
        }

        factors.Remove(user, User.Actor());
        return Answer(null, "The authenticator is removed from your account.");
    }

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
