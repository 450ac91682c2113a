using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace RestikManager.Server.Web;

/// <summary>One error in the API's envelope: a stable machine code and a sentence for people.</summary>
internal sealed record ApiError(
    string Code, string Message,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Field = null);

/// <summary>The error envelope every endpoint uses: <c>{"error":{"code":"…","message":"…"}}</c>.</summary>
internal sealed record ErrorEnvelope(ApiError Error);

internal static class ApiErrors
{
    public static JsonHttpResult<ErrorEnvelope> Create(int status, string code, string message, string? field = null) =>
        TypedResults.Json(new ErrorEnvelope(new ApiError(code, message, field)), statusCode: status);

    public static JsonHttpResult<ErrorEnvelope> NotFound(string code, string message) =>
        Create(StatusCodes.Status404NotFound, code, message);

    public static JsonHttpResult<ErrorEnvelope> BadRequest(string code, string message) =>
        Create(StatusCodes.Status400BadRequest, code, message);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(Accounts.CreateTokenRequest))]
[JsonSerializable(typeof(Accounts.CreatedToken))]
[JsonSerializable(typeof(List<Accounts.ApiTokenView>))]
[JsonSerializable(typeof(Accounts.CreateUserRequest))]
[JsonSerializable(typeof(Accounts.UserView))]
[JsonSerializable(typeof(Accounts.ChangeUserRequest))]
[JsonSerializable(typeof(Accounts.ChangePasswordRequest))]
[JsonSerializable(typeof(List<Accounts.UserView>))]
[JsonSerializable(typeof(Agents.CreateEnrollmentTokenRequest))]
[JsonSerializable(typeof(Agents.ChangeHostRequest))]
[JsonSerializable(typeof(Agents.CreatedEnrollmentToken))]
[JsonSerializable(typeof(List<Agents.EnrollmentTokenView>))]
[JsonSerializable(typeof(List<Agents.HostView>))]
[JsonSerializable(typeof(Updates.UpdatePolicyRequest))]
[JsonSerializable(typeof(Updates.UpdateStatusView))]
[JsonSerializable(typeof(Updates.UpdateOffered))]
[JsonSerializable(typeof(Alerts.ChannelRequest))]
[JsonSerializable(typeof(Alerts.RuleRequest))]
[JsonSerializable(typeof(Alerts.ChannelView))]
[JsonSerializable(typeof(IReadOnlyList<Alerts.ChannelView>))]
[JsonSerializable(typeof(Alerts.RuleView))]
[JsonSerializable(typeof(List<Alerts.RuleView>))]
[JsonSerializable(typeof(IReadOnlyList<Alerts.AlertView>))]
[JsonSerializable(typeof(Alerts.ChannelTestResult))]
internal sealed partial class ServerJsonContext : JsonSerializerContext;
