namespace RestikManager.Server.Alerts;

/// <summary>Why a change to channels or rules was refused: the HTTP status, a code, a sentence naming the field.</summary>
internal sealed record AlertRefusal(int Status, string Code, string Message, string? Field = null)
{
    public static AlertRefusal Invalid(string code, string field, string message) => new(StatusCodes.Status400BadRequest, code, message, field);
}
