using System.Text.Json.Serialization;

namespace RestikManager.Contracts.Protocol;

/// <summary>A message from agent to server; <c>type</c> says which.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(Hello), "hello")]
[JsonDerivedType(typeof(Heartbeat), "heartbeat")]
public abstract record AgentMessage;

/// <summary>The agent's first message on every connection.</summary>
public sealed record Hello(
    int ProtocolVersion, string AgentVersion, string Commit, string BuildDate,
    string Os, string Arch, string Hostname, string? ResticVersion) : AgentMessage;

/// <summary>"Still here", every <see cref="Welcome.HeartbeatSeconds"/>.</summary>
public sealed record Heartbeat(DateTimeOffset SentAt) : AgentMessage;

/// <summary>A message from server to agent; <c>type</c> says which.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(Welcome), "welcome")]
public abstract record ServerMessage;

/// <summary>The server's answer to a good hello: the agent is online.</summary>
public sealed record Welcome(int ProtocolVersion, string AgentId, string ServerVersion, int HeartbeatSeconds) : ServerMessage;

/// <summary>Body of <c>POST /agent/enroll</c>.</summary>
public sealed record EnrollRequest(string Token, string Hostname, string Os, string Arch, string AgentVersion, bool Replace);

/// <summary>Answer to a successful enrollment: the credential is shown once.</summary>
public sealed record EnrollResponse(string AgentId, string Credential, string ServerVersion);

/// <summary>The error envelope, as the agent reads it.</summary>
public sealed record ErrorBody(ErrorDetail Error);

public sealed record ErrorDetail(string Code, string Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(AgentMessage))]
[JsonSerializable(typeof(ServerMessage))]
[JsonSerializable(typeof(EnrollRequest))]
[JsonSerializable(typeof(EnrollResponse))]
[JsonSerializable(typeof(ErrorBody))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
