using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Api;
using RestikManager.Server.Updates;
using RestikManager.Server.Web.Components;

namespace RestikManager.Server.Web.Pages.Hosts;

/// <summary>Agent updates: what the server serves, how the fleet stands, and the policy (admins change it).</summary>
[Authorize(Policy = Roles.CanView)]
internal sealed class UpdatesModel(UpdateCommands commands) : PageModel
{
    public UpdateStatusView Status { get; private set; } = null!;

    public Refusal? Refusal { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Status = await commands.StatusAsync(cancellationToken);
        return Page();
    }

    /// <summary>The policy form: mode, canary share and label (empty: canaries by share).</summary>
    [Requires(Roles.CanAdminister)]
    public async Task<IActionResult> OnPostAsync(string? mode, string? canaryPercent, string? canaryLabel, CancellationToken cancellationToken)
    {
        if (!int.TryParse(canaryPercent, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var percent))
        {
            return await RefusedAsync(new Refusal(StatusCodes.Status400BadRequest, "invalid_policy",
                $"canaryPercent: a whole number from 0 to 100, not '{canaryPercent}'.", "canaryPercent"), cancellationToken);
        }

        var request = new UpdatePolicyRequest(FormValues.Blank(mode), percent, FormValues.Blank(canaryLabel) ?? "");
        return commands.ChangePolicy(request, User.Actor()) is { } refusal ? await RefusedAsync(refusal, cancellationToken) : Redirect("/hosts/updates");
    }

    [Requires(Roles.CanAdminister)]
    public async Task<IActionResult> OnPostResumeAsync(CancellationToken cancellationToken)
    {
        return commands.ChangePolicy(new UpdatePolicyRequest(Resume: true), User.Actor()) is { } refusal
            ? await RefusedAsync(refusal, cancellationToken) : Redirect("/hosts/updates");
    }

    private async Task<IActionResult> RefusedAsync(Refusal refusal, CancellationToken cancellationToken)
    {
        Refusal = refusal;
        Status = await commands.StatusAsync(cancellationToken);
        Response.StatusCode = refusal.Status;
        return Page();
    }
}
