using Microsoft.AspNetCore.Http.HttpResults;

namespace RestikManager.Server.Api;

/// <summary>
/// Why a command changed nothing: the HTTP status, a stable code, a sentence for people (starting with the field when one
/// is at fault) and that field. Every feature's commands answer with it; the API turns it into the error envelope
/// (<see cref="ToResult"/>) and a page shows it beside its field (<see cref="For"/>) or at the top.
/// </summary>
internal sealed record Refusal(int Status, string Code, string Message, string? Field = null)
{
    /// <summary>A bad value in <paramref name="field"/>: 400.</summary>
    public static Refusal Invalid(string code, string field, string message) => new(StatusCodes.Status400BadRequest, code, message, field);

    /// <summary>What the request names is not there: 404 <c>not_found</c>.</summary>
    public static Refusal NotFound(string message) => new(StatusCodes.Status404NotFound, "not_found", message);

    /// <summary>The request is fine but the state does not allow it now (a host offline, a name taken): 409.</summary>
    public static Refusal Conflict(string code, string message, string? field = null) => new(StatusCodes.Status409Conflict, code, message, field);

    /// <summary>The API's answer: the error envelope with this status.</summary>
    public JsonHttpResult<ErrorEnvelope> ToResult() => ApiErrors.Create(Status, Code, Message, Field);

    /// <summary>The message to show beside <paramref name="field"/> on a page, when it is the one at fault.</summary>
    public string? For(string field) => Field == field ? Message : null;
}
