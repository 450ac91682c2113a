namespace RestikManager.Server.Web;

internal static class WebExtensions
{
    /// <summary>Any path no endpoint claims (file-like names included) answers 404 in the error envelope.</summary>
    public static WebApplication MapNotFoundFallback(this WebApplication app)
    {
        app.MapFallback("{**path}", () => ApiErrors.NotFound("not_found", "There is nothing at this address."));
        return app;
    }
}
