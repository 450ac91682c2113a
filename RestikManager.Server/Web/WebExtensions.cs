using Microsoft.AspNetCore.WebUtilities;
using RestikManager.Server.Api;
using RestikManager.Server.Events;

namespace RestikManager.Server.Web;

internal static class WebExtensions
{
    /// <summary>
    /// The web UI (Razor Pages under <c>Web/Pages</c>), and binding failures that answer a plain 400 in every
    /// environment (never a developer page), which <see cref="UseErrorEnvelopes"/> turns into the envelope.
    /// </summary>
    public static IHostApplicationBuilder AddWeb(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorPages(o => o.RootDirectory = "/Web/Pages").AddMvcOptions(o => o.Filters.Add<RequiresFilter>());
        builder.Services.AddSingleton<Live.LiveFeed>();
        builder.Services.AddHandler<Jobs.JobChanged, Live.LiveFeed>();
        builder.Services.AddHandler<Agents.HostChanged, Live.LiveFeed>();
        builder.Services.AddSingleton<Live.Fragments>();
        builder.Services.AddSingleton<Components.JobNames>();
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = false);
        return builder;
    }

    /// <summary>
    /// Every error answered without a body (no endpoint at the path, wrong method, a body that is not JSON
    /// of the right shape, the wrong content type) gets the error envelope with a code that says which.
    /// </summary>
    public static WebApplication UseErrorEnvelopes(this WebApplication app)
    {
        // A request Kestrel refuses while the endpoint reads it (body over the limit, a body cut short) is the client's
        // fault: its status and the envelope, logged at debug, never an "unhandled exception".
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                context.Response.Clear();
                var (code, message) = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? ("body_too_large", "The request body is larger than this endpoint accepts.")
                    : ("invalid_request", "The request could not be read: " + e.Message);
                await ApiErrors.Create(e.StatusCode, code, message).ExecuteAsync(context);
            }
        });

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
