using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using RestikManager.Server.Api;

namespace RestikManager.Server.Web;

/// <summary>
/// JSON between a page and its script (the passkey ceremonies): the body read leniently, answers and refusals in the
/// API's shapes, so a script reads a refusal as it would the API's.
/// </summary>
internal static class PageJson
{
    /// <summary>The request's JSON object, or null when the body is not one.</summary>
    public static async Task<JsonObject?> ReadAsync(HttpRequest request)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A string member of <paramref name="body"/>, or null when it is missing or not a string.</summary>
    public static string? Text(JsonObject body, string name) => body[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    public static ContentResult Of(JsonNode body) => new() { Content = body.ToJsonString(), ContentType = "application/json" };

    /// <summary>A refusal in the API's envelope, with its status.</summary>
    public static ContentResult Refusal(JsonHttpResult<ErrorEnvelope> error) => new()
    {
        StatusCode = error.StatusCode,
        Content = JsonSerializer.Serialize(error.Value!, ApiJson.Default.ErrorEnvelope),
        ContentType = "application/json",
    };

    public static ContentResult NotJson() =>
        Refusal(ApiErrors.BadRequest("invalid_json", "The request's body is not a JSON object."));
}
