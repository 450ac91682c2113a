using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Jobs;
using RestikManager.Server.Repositories;
using RestikManager.Server.Web.Components;

namespace RestikManager.Server.Web.Pages.Jobs;

/// <summary>One job: what it runs, its live progress, its result; Cancel while it is queued or running.</summary>
[Authorize(Policy = Roles.CanView)]
internal sealed class JobModel(JobViews views, JobNames names, RepositoryStore repositories, ManualJobs manual) : PageModel
{
    public JobRowModel Row { get; private set; } = null!;

    public string RepositoryName { get; private set; } = "";

    /// <summary>Why the last Cancel was refused.</summary>
    public string? Refusal { get; private set; }

    public IActionResult OnGet(string id)
    {
        if (views.Find(id) is not { } job)
        {
            return NotFound();
        }

        Row = names.Row(job);
        RepositoryName = repositories.Find(job.RepositoryId)?.Name ?? "(deleted repository)";
        return Page();
    }

    [Requires(Roles.CanOperate)]
    public IActionResult OnPostCancel(string id)
    {
        if (manual.Cancel(id, User.Actor()) is { } refusal)
        {
            Refusal = refusal.Message;
            Response.StatusCode = refusal.Status;
            return OnGet(id) is NotFoundResult notFound ? notFound : Page();
        }

        return RedirectToPage(new { id });
    }
}
