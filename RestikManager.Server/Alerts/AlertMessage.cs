using System.Text.Json.Serialization;

namespace RestikManager.Server.Alerts;

/// <summary>Something a message is about: its id and the name people know it by.</summary>
internal sealed record AlertRef(string Id, string Name);

/// <summary>
/// One notification, and exactly the webhook's JSON body: <see cref="Incident"/> is the same id in the firing and the
/// resolved message; <see cref="Host"/>, <see cref="Plan"/> and <see cref="Job"/> are null where they do not apply;
/// <see cref="At"/> is ISO 8601 UTC; <see cref="Url"/> links to the page in the UI. Other channels render their text
/// from it. It never holds a secret.
/// </summary>
internal sealed record AlertMessage(
    string Event, string State, string? Incident, AlertRef? Host, AlertRef? Plan, AlertRef? Job, string Message, string At, string Url,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AlertRef? Repository = null)
{
    /// <summary>How <see cref="At"/> is written: ISO 8601 UTC to the second (<c>2026-12-03T21:40:10Z</c>).</summary>
    public static string Stamp(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A subject line: state, event and what it is about.</summary>
    public string Title
    {
        get
        {
            var about = string.Join(" on ", new[] { Plan is null ? null : $"plan {Plan.Name}", Host is null ? null : $"host {Host.Name}",
                Repository is null ? null : $"repository {Repository.Name}" }.OfType<string>());
            return $"[restic-manager] {State.ToUpperInvariant()} {Event}{(about.Length > 0 ? ": " + about : "")}";
        }
    }

    /// <summary>The message as plain text: what happened, when, and where to look.</summary>
    public string Text => $"{Message}\n\nAt: {At}\nIncident: {Incident ?? "-"}\n{Url}";
}

/// <summary>A healthchecks ping: which of the plan's URLs (start, success, fail) and a short body.</summary>
internal sealed record PingMessage(string Phase, string Body);
