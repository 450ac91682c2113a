namespace RestikManager.Server.Alerts;

/// <summary>Where notifications go, and which fields each kind takes.</summary>
internal static class ChannelKinds
{
    public const string Webhook = "webhook";
    public const string Ntfy = "ntfy";
    public const string Slack = "slack";
    public const string Discord = "discord";
    public const string Gotify = "gotify";
    public const string Email = "email";
    public const string Healthchecks = "healthchecks";

    public static readonly IReadOnlyList<string> All = [Webhook, Ntfy, Slack, Discord, Gotify, Email, Healthchecks];

    /// <summary>The fields (as the API names them) a kind accepts besides <c>name</c> and <c>kind</c>.</summary>
    public static IReadOnlyList<string> Fields(string kind) => kind switch
    {
        Webhook => ["url", "secret"],
        Ntfy => ["url", "topic", "token"],
        Gotify => ["url", "token"],
        Email => ["smtpHost", "smtpPort", "security", "username", "password", "from", "to"],
        _ => ["url"],
    };

    /// <summary>Whether a kind sends with HTTP to its <c>url</c>.</summary>
    public static bool IsHttp(string kind) => kind != Email;
}

/// <summary>The secret fields of a channel, kept in secrets.enc as <c>channel/&lt;id&gt;/&lt;field&gt;</c>; write-only in the API.</summary>
internal static class ChannelSecrets
{
    public const string Url = "url";
    public const string Secret = "secret";
    public const string Token = "token";
    public const string Password = "password";

    public static readonly IReadOnlyList<string> All = [Url, Secret, Token, Password];

    public static string Key(string channelId, string field) => $"channel/{channelId}/{field}";
}

/// <summary>SMTP connection security.</summary>
internal static class EmailSecurity
{
    public const string StartTls = "starttls";
    public const string Tls = "tls";
    public const string None = "none";

    public static readonly IReadOnlyList<string> All = [StartTls, Tls, None];

    public static int DefaultPort(string security) => security switch { Tls => 465, None => 25, _ => 587 };

    /// <summary>A choice as the form offers it: the value and its usual port.</summary>
    public static string Describe(string security) => security switch
    {
        Tls => "tls (465)",
        None => "none (25)",
        _ => "starttls (587)",
    };
}

/// <summary>
/// What a channel keeps in the database: only what is not secret. <see cref="UrlHost"/> is the host of the secret URL,
/// so an operator can tell channels apart without seeing the URL.
/// </summary>
internal sealed record ChannelSettings(
    string? UrlHost = null, string? Topic = null, string? SmtpHost = null, int? SmtpPort = null, string? Security = null,
    string? Username = null, string? From = null, IReadOnlyList<string>? To = null);

/// <summary>A notification channel (its secrets are in the secret store, never here).</summary>
internal sealed record Channel(string Id, string Name, string Kind, ChannelSettings Settings, string CreatedAt, string UpdatedAt);
