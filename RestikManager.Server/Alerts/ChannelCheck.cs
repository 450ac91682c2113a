using System.Text.Json;
using MimeKit;
using RestikManager.Server.Api;

namespace RestikManager.Server.Alerts;

/// <summary>
/// Checks a channel request at the edge into what is stored: the settings (not secret) and the secret changes.
/// Each refusal names the field. Receivers on loopback and private addresses are allowed (on-premises is the common case).
/// </summary>
internal sealed class ChannelCheck(ChannelStore store)
{
    private const string Code = "invalid_channel";

    public (ChannelSettings? Settings, Dictionary<string, string>? Secrets, Refusal? Refusal) Check(ChannelRequest r, Channel? existing)
    {
        var creating = existing is null;
        var name = r.Name?.Trim();
        if ((creating || r.Name is not null) && (string.IsNullOrEmpty(name) || name.Length > 100 || name.Any(char.IsControl)))
        {
            return Refuse("name", "name: give the channel a name of 1 to 100 characters.");
        }

        if (name is not null && store.NameTaken(name, existing?.Id))
        {
            return (null, null, new Refusal(StatusCodes.Status409Conflict, "name_taken", $"name: a channel named '{name}' exists already."));
        }

        if (creating && (r.Kind is null || !ChannelKinds.All.Contains(r.Kind)))
        {
            return Refuse("kind", $"kind: one of {string.Join(", ", ChannelKinds.All)}.");
        }

        if (!creating && r.Kind is not null && r.Kind != existing!.Kind)
        {
            return Refuse("kind", $"kind: a channel's kind cannot change (this one is {existing.Kind}); create another channel.");
        }

        var kind = existing?.Kind ?? r.Kind!;
        var allowed = ChannelKinds.Fields(kind);
        foreach (var (field, given) in Given(r))
        {
            if (given && !allowed.Contains(field))
            {
                return Refuse(field, $"{field}: not a field of a {kind} channel (it takes {string.Join(", ", allowed)}).");
            }
        }

        var settings = existing?.Settings ?? new ChannelSettings();
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ChannelKinds.IsHttp(kind))
        {
            var url = r.Url?.Trim() ?? (creating && kind == ChannelKinds.Ntfy ? "https://ntfy.sh" : null);
            if (url is null && creating)
            {
                return Refuse("url", $"url: a {kind} channel needs the URL to send to.");
            }

            if (url is not null)
            {
                if (UrlProblem(url) is { } problem)
                {
                    return Refuse("url", "url: " + problem);
                }

                secrets[ChannelSecrets.Url] = url;
                settings = settings with { UrlHost = new Uri(url).Authority };
            }
        }

        if (r.Secret is not null)
        {
            if (r.Secret.Length > 1024 || r.Secret.Any(char.IsControl))
            {
                return Refuse("secret", "secret: the signing secret is up to 1024 characters, none of them control characters.");
            }

            secrets[ChannelSecrets.Secret] = r.Secret;
        }

        if (kind == ChannelKinds.Ntfy)
        {
            var topic = r.Topic?.Trim();
            if ((creating || r.Topic is not null) && (string.IsNullOrEmpty(topic) || topic.Length > 64 || !topic.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            {
                return Refuse("topic", "topic: the ntfy topic, 1 to 64 letters, digits, '-' or '_'.");
            }

            settings = settings with { Topic = topic ?? settings.Topic };
        }

        if (r.Token is not null)
        {
            if (r.Token.Length > 1024 || r.Token.Any(char.IsControl) || (kind == ChannelKinds.Gotify && r.Token.Length == 0))
            {
                return Refuse("token", "token: the access token, up to 1024 characters, none of them control characters.");
            }

            secrets[ChannelSecrets.Token] = r.Token;
        }
        else if (creating && kind == ChannelKinds.Gotify)
        {
            return Refuse("token", "token: a gotify channel needs the application token.");
        }

        return kind == ChannelKinds.Email ? Email(r, settings, secrets, creating) : (settings, secrets, null);
    }

    private static (ChannelSettings?, Dictionary<string, string>?, Refusal?) Email(
        ChannelRequest r, ChannelSettings settings, Dictionary<string, string> secrets, bool creating)
    {
        var host = r.SmtpHost?.Trim();
        if ((creating || r.SmtpHost is not null) && (string.IsNullOrEmpty(host) || host.Length > 253 || Uri.CheckHostName(host) == UriHostNameType.Unknown))
        {
            return Refuse("smtpHost", "smtpHost: the SMTP server's host name or address.");
        }

        if (r.SmtpPort is < 1 or > 65535)
        {
            return Refuse("smtpPort", "smtpPort: a port from 1 to 65535 (default 587 for starttls, 465 for tls, 25 for none).");
        }

        if (r.Security is not null && !EmailSecurity.All.Contains(r.Security))
        {
            return Refuse("security", $"security: one of {string.Join(", ", EmailSecurity.All)}.");
        }

        if (r.Username is { } user && (user.Length > 256 || user.Any(char.IsControl)))
        {
            return Refuse("username", "username: up to 256 characters, none of them control characters.");
        }

        if (r.Password is { } password)
        {
            if (password.Length > 1024 || password.Contains('\0', StringComparison.Ordinal))
            {
                return Refuse("password", "password: up to 1024 characters.");
            }

            secrets[ChannelSecrets.Password] = password;
        }

        if ((creating || r.From is not null) && !IsAddress(r.From))
        {
            return Refuse("from", "from: the sender's email address.");
        }

        List<string>? to = null;
        if (creating || (r.To is { } given && given.ValueKind != JsonValueKind.Null))
        {
            to = Addresses(r.To);
            if (to is null)
            {
                return Refuse("to", "to: one email address, or a list of 1 to 50 of them.");
            }
        }

        return (settings with
        {
            SmtpHost = host ?? settings.SmtpHost,
            SmtpPort = r.SmtpPort ?? settings.SmtpPort,
            Security = r.Security ?? settings.Security ?? EmailSecurity.StartTls,
            Username = r.Username is null ? settings.Username : r.Username.Length == 0 ? null : r.Username,
            From = r.From?.Trim() ?? settings.From,
            To = to ?? settings.To,
        }, secrets, null);
    }

    private static List<string>? Addresses(JsonElement? to)
    {
        var list = to?.ValueKind switch
        {
            JsonValueKind.String => [to.Value.GetString()!],
            JsonValueKind.Array when to.Value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
                to.Value.EnumerateArray().Select(e => e.GetString()!).ToList(),
            _ => null,
        };
        return list is { Count: > 0 and <= 50 } && list.All(IsAddress) ? [.. list.Select(a => a.Trim())] : null;
    }

    private static bool IsAddress(string? value) =>
        !string.IsNullOrWhiteSpace(value) && value.Length <= 320 && !value.Any(char.IsControl)
        && MailboxAddress.TryParse(value.Trim(), out var address) && address.Address.Contains('@', StringComparison.Ordinal);

    /// <summary>Why <paramref name="url"/> cannot be sent to, or null. Loopback and private addresses are allowed.</summary>
    public static string? UrlProblem(string url) =>
        url.Length > 2048 ? "at most 2048 characters."
        : url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) ? "a URL has no spaces or control characters."
        : !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0
            ? "an absolute http:// or https:// URL."
        : null;

    private static IEnumerable<(string Field, bool Given)> Given(ChannelRequest r) =>
    [
        ("url", r.Url is not null), ("secret", r.Secret is not null), ("topic", r.Topic is not null), ("token", r.Token is not null),
        ("smtpHost", r.SmtpHost is not null), ("smtpPort", r.SmtpPort is not null), ("security", r.Security is not null),
        ("username", r.Username is not null), ("password", r.Password is not null), ("from", r.From is not null),
        ("to", r.To is { ValueKind: not JsonValueKind.Null }),
    ];

    private static (ChannelSettings?, Dictionary<string, string>?, Refusal?) Refuse(string field, string message) =>
        (null, null, Refusal.Invalid(Code, field, message));
}
