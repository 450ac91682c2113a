using System.Text.Json.Serialization;

namespace RestikManager.Server.Agents;

/// <summary>The agents API's JSON types, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CreateEnrollmentTokenRequest))]
[JsonSerializable(typeof(ChangeHostRequest))]
[JsonSerializable(typeof(CreatedEnrollmentToken))]
[JsonSerializable(typeof(List<EnrollmentTokenView>))]
[JsonSerializable(typeof(List<HostView>))]
[JsonSerializable(typeof(HostChanged))]
[JsonSerializable(typeof(HostLabelChanged))]
[JsonSerializable(typeof(AgentSessionOpened))]
[JsonSerializable(typeof(AgentSessionClosed))]
[JsonSerializable(typeof(AgentMessageForwarded))]
[JsonSerializable(typeof(AgentDropped))]
[JsonSerializable(typeof(AgentCredentialChanged))]
internal sealed partial class AgentsJson : JsonSerializerContext;
