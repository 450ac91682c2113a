using Microsoft.AspNetCore.WebUtilities;

namespace RestikManager.Server.Web;

internal static class WebExtensions
{
    /// <summary>Binding failures answer a plain 400 in every environment (never a developer page), for <see cref="UseErrorEnvelopes"/>.</summary>
    public static IHostApplicationBuilder AddErrorEnvelopes(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = false);
        return builder;
    }

    /// <summary>
    /// Every error answered without a body (no endpoint at the path, wrong method, a body that is not JSON
    /// of the right shape, the wrong content type) gets the error envelope with a code that says which.
    /// </summary>
    public static WebApplication UseErrorEnvelopes(this WebApplication app)
    {
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            var status = http.Response.StatusCode;
            var (code, message) = status switch
            {
                StatusCodes.Status400BadRequest => ("invalid_request", "The request could not be read; send the documented JSON body."),
                StatusCodes.Status404NotFound => ("not_found", "There is nothing at this address."),
                StatusCodes.Status405MethodNotAllowed => ("method_not_allowed", $"{http.Request.Method} is not allowed at this address."),
                StatusCodes.Status415UnsupportedMediaType => ("unsupported_media_type", "Send the body as application/json."),
                _ => ("error", ReasonPhrases.GetReasonPhrase(status)),
            };
            await ApiErrors.Create(status, code, message).ExecuteAsync(http);
        });
        return app;
    }
}
