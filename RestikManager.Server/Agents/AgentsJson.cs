using System.Text.Json.Serialization;

namespace RestikManager.Server.Agents;

/// <summary>The agents API's JSON types, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CreateEnrollmentTokenRequest))]
[JsonSerializable(typeof(ChangeHostRequest))]
[JsonSerializable(typeof(CreatedEnrollmentToken))]
[JsonSerializable(typeof(List<EnrollmentTokenView>))]
[JsonSerializable(typeof(List<HostView>))]
internal sealed partial class AgentsJson : JsonSerializerContext;
