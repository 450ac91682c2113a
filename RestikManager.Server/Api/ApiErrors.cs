using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace RestikManager.Server.Api;

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
internal sealed partial class ApiJson : JsonSerializerContext;

internal static class ApiExtensions
{
    /// <summary>
    /// The API's JSON: the envelope's and the wire's source-generated contexts, and readable escaping. Each feature adds
    /// its own context with <see cref="AddJson"/>.
    /// </summary>
    public static IHostApplicationBuilder AddApi(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJson.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(1, Contracts.Protocol.ProtocolJsonContext.Default);
            o.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        });
        return builder;
    }

    /// <summary>A feature's source-generated JSON types, ahead of reflection.</summary>
    public static IHostApplicationBuilder AddJson(this IHostApplicationBuilder builder, JsonSerializerContext context)
    {
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, context));
        return builder;
    }
}
