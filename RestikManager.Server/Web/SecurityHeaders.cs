namespace RestikManager.Server.Web;

/// <summary>
/// Headers every answer carries, pages and API alike: a Content-Security-Policy that allows only this server's own
/// files (no inline script or style, no framing, forms post only here), <c>nosniff</c>, no referrer, no framing for
/// older browsers, and HSTS when the server itself serves TLS.
/// </summary>
internal static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

    /// <summary>
    /// The policy: with single sign-on, forms may also lead to the provider's origin (a browser applies form-action to
    /// the redirect after a post: "Sign in with …" and sign-out both post here and are sent on to the provider).
    /// </summary>
    public static string PolicyFor(Uri? provider) => provider is null
        ? ContentSecurityPolicy
        : ContentSecurityPolicy.Replace("form-action 'self'", $"form-action 'self' {provider.GetLeftPart(UriPartial.Authority)}", StringComparison.Ordinal);

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        var policy = PolicyFor(app.Services.GetService<SingleSignOn.OidcSettings>()?.Issuer);
        app.Use((context, next) =>
        {
            // Set before anything else writes: antiforgery then leaves X-Frame-Options as it is.
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = policy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            if (context.Request.IsHttps)
            {
                headers.StrictTransportSecurity = "max-age=31536000";
            }

            return next(context);
        });
        return app;
    }
}
