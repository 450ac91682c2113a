namespace RestikManager.Server.Distribution;

/// <summary>
/// The server's public URL as hosts should reach it: <c>RM_BASE_URL</c> when set, otherwise the scheme and host the
/// request came in on. A Host header that is not a host name (<c>evil.example$(id)</c>, a quote) yields no URL: the
/// caller answers 400 <c>invalid_host</c>, and nothing built from the header reaches a served script.
/// </summary>
internal sealed class PublicUrl(Uri? configured)
{
    public const string InvalidHostMessage = "The request's Host header is not a valid host name; use the server's address, or set RM_BASE_URL.";

    public string? For(HttpRequest request)
    {
        if (configured is not null)
        {
            return configured.ToString().TrimEnd('/');
        }

        var host = request.Host;
        if (!host.HasValue || Uri.CheckHostName(host.Host.Trim('[', ']')) == UriHostNameType.Unknown)
        {
            return null;
        }

        // Re-serialised through Uri so only a well-formed authority reaches a served script.
        return Uri.TryCreate($"{request.Scheme}://{host.ToUriComponent()}{request.PathBase.ToUriComponent()}", UriKind.Absolute, out var derived)
            ? derived.GetLeftPart(UriPartial.Path).TrimEnd('/')
            : null;
    }
}
