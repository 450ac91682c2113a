using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;

namespace RestikManager.Server.Web.Pages.Hosts;

/// <summary>Add a host: a single-use enrollment token, the install lines that carry it, and a live wait for the host.</summary>
[Authorize(Policy = Roles.CanAdminister)]
internal sealed class AddModel(HostCommands commands) : PageModel
{
    [BindProperty] public string? Label { get; set; }

    [BindProperty] public int ExpiresInMinutes { get; set; } = 60;

    public CreatedEnrollmentToken? Created { get; private set; }

    public string? Problem { get; private set; }

    public IActionResult OnPost()
    {
        var (created, refusal) = commands.CreateEnrollmentToken(string.IsNullOrWhiteSpace(Label) ? null : Label.Trim(), ExpiresInMinutes, User.Actor(), Request);
        if (refusal is not null)
        {
            Problem = refusal.Message;
            Response.StatusCode = refusal.Status;
        }

        Created = created;
        return Page();
    }
}
