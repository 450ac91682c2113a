namespace RestikManager.Server.Distribution;

/// <summary>
/// The server's public URL as hosts should reach it: <c>RM_BASE_URL</c> when set, otherwise the
/// scheme and host the request came in on.
/// </summary>
internal sealed class PublicUrl(Uri? configured)
{
    public string For(HttpRequest request)
    {
        if (configured is not null)
        {
            return configured.ToString().TrimEnd('/');
        }

        // Re-serialised through Uri so only a well-formed authority reaches a served script.
        var derived = new Uri($"{request.Scheme}://{request.Host.ToUriComponent()}{request.PathBase.ToUriComponent()}");
        return derived.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }
}
