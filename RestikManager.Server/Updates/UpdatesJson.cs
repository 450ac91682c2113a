using System.Text.Json.Serialization;

namespace RestikManager.Server.Updates;

/// <summary>The updates API's JSON types, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(UpdatePolicyRequest))]
[JsonSerializable(typeof(UpdateStatusView))]
[JsonSerializable(typeof(UpdateOffered))]
internal sealed partial class UpdatesJson : JsonSerializerContext;
