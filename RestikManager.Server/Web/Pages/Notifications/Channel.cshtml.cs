using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Alerts;
using RestikManager.Server.Api;
using RestikManager.Server.Web.Components;

namespace RestikManager.Server.Web.Pages.Notifications;

/// <summary>
/// One channel (<c>/notifications/channels/new?kind=…</c> defines one): the kind's own fields, secrets write-only (left
/// empty, what is stored stays; a checkbox removes an optional one), Send test, delete.
/// </summary>
[Authorize(Policy = Roles.CanView)]
internal sealed class ChannelModel(ChannelStore store, ChannelCommands commands, AlertViews views) : PageModel
{
    public const string New = "new";

    [BindProperty] public string? Name { get; set; }

    [BindProperty] public string? ReceiverUrl { get; set; }

    [BindProperty] public string? Secret { get; set; }

    [BindProperty] public bool RemoveSecret { get; set; }

    [BindProperty] public string? Topic { get; set; }

    [BindProperty] public string? Token { get; set; }

    [BindProperty] public bool RemoveToken { get; set; }

    [BindProperty] public string? SmtpHost { get; set; }

    [BindProperty] public string? SmtpPort { get; set; }

    [BindProperty] public string? Security { get; set; }

    [BindProperty] public string? Username { get; set; }

    [BindProperty] public string? Password { get; set; }

    [BindProperty] public bool RemovePassword { get; set; }

    [BindProperty] public string? From { get; set; }

    /// <summary>Addresses separated by commas or spaces.</summary>
    [BindProperty] public string? To { get; set; }

    public string Id { get; private set; } = New;

    public string Kind { get; private set; } = "";

    public ChannelView? Existing { get; private set; }

    public Refusal? Refusal { get; private set; }

    public (bool Delivered, string? Error)? Tested { get; private set; }

    public bool IsNew => Existing is null;

    public IReadOnlyList<string> Fields => ChannelKinds.Fields(Kind);

    public string? ErrorFor(string field) => Refusal?.For(field);

    public IActionResult OnGet(string id, string? kind)
    {
        if (!Load(id, kind))
        {
            return NotFound();
        }

        ShowExisting();
        return Page();
    }

    [Requires(Roles.CanAdminister)]
    public IActionResult OnPost(string id, string? kind)
    {
        if (!Load(id, kind))
        {
            return NotFound();
        }

        var request = Posted();
        var (saved, refusal) = IsNew ? commands.Create(request, User.Actor()) : commands.Update(store.Find(id)!, request, User.Actor());
        if (refusal is not null)
        {
            Refusal = refusal;
            Secret = Token = Password = null;
            Response.StatusCode = refusal.Status;
            return Page();
        }

        return Redirect($"/notifications/channels/{saved!.Id}");
    }

    [Requires(Roles.CanAdminister)]
    public async Task<IActionResult> OnPostTestAsync(string id, CancellationToken cancellationToken)
    {
        if (!Load(id, null) || IsNew)
        {
            return NotFound();
        }

        var error = await commands.TestAsync(store.Find(id)!, User.Actor(), cancellationToken);
        Tested = (error is null, error);
        Load(id, null);
        ShowExisting();
        return Page();
    }

    [Requires(Roles.CanAdminister)]
    public IActionResult OnPostDelete(string id)
    {
        if (!Load(id, null) || IsNew)
        {
            return NotFound();
        }

        if (commands.Delete(store.Find(id)!, User.Actor()) is { } refusal)
        {
            Refusal = refusal;
            ShowExisting();
            Response.StatusCode = refusal.Status;
            return Page();
        }

        return Redirect("/notifications");
    }

    /// <summary>What the form posted, as the API's request: only the kind's fields, empty is absent, a ticked box removes.</summary>
    private ChannelRequest Posted()
    {
        string? Field(string name, string? value) => Fields.Contains(name) ? FormValues.Blank(value) : null;
        string? SecretField(string name, string? value, bool remove) => !Fields.Contains(name) ? null : remove ? "" : FormValues.Blank(value);
        var to = Field("to", To);
        return new ChannelRequest(Name, IsNew ? Kind : null, Field("url", ReceiverUrl), SecretField("secret", Secret, RemoveSecret), Field("topic", Topic),
            SecretField("token", Token, RemoveToken), Field("smtpHost", SmtpHost),
            Field("smtpPort", SmtpPort) is { } port ? (int.TryParse(port, out var number) ? number : -1) : null,
            Field("security", Security), Fields.Contains("username") ? Username?.Trim() : null, SecretField("password", Password, RemovePassword),
            Field("from", From),
            to is null ? null : System.Text.Json.JsonSerializer.SerializeToElement(
                to.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries), Alerts.AlertJson.Default.StringArray));
    }

    private void ShowExisting()
    {
        Name = Existing?.Name;
        Topic = Existing?.Topic;
        SmtpHost = Existing?.SmtpHost;
        SmtpPort = Existing?.SmtpPort?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Security = Existing?.Security;
        Username = Existing?.Username;
        From = Existing?.From;
        To = Existing?.To is { } to ? string.Join(", ", to) : null;
    }

    private bool Load(string id, string? kind)
    {
        Id = id;
        var found = id == New ? null : store.Find(id);
        if (id != New && found is null)
        {
            return false;
        }

        Existing = found is null ? null : views.Channel(found);
        Kind = found?.Kind ?? (kind is not null && ChannelKinds.All.Contains(kind) ? kind : ChannelKinds.Webhook);
        return true;
    }
}
