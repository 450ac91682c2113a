using System.Text.Json.Serialization;

namespace RestikManager.Contracts.Protocol;

/// <summary>A message from agent to server; <c>type</c> says which.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(Hello), "hello")]
[JsonDerivedType(typeof(Heartbeat), "heartbeat")]
[JsonDerivedType(typeof(JobStarted), "jobStarted")]
[JsonDerivedType(typeof(JobProgress), "jobProgress")]
[JsonDerivedType(typeof(JobResult), "jobResult")]
[JsonDerivedType(typeof(ActiveJobs), "activeJobs")]
[JsonDerivedType(typeof(QueryReply), "queryReply")]
[JsonDerivedType(typeof(UpdateFailed), "updateFailed")]
public abstract record AgentMessage;

/// <summary>
/// The agent's first message on every connection. <see cref="FailedUpdate"/> says that the last update this agent was
/// offered did not happen, and why (it is repeated on every connection until another update is offered).
/// <see cref="ResticSource"/> says where the restic it runs comes from (<see cref="ResticSources"/>). <see cref="Allowlist"/>
/// names what the host's own allowlist lets plans run there (null: an agent older than hooks, which runs none).
/// </summary>
public sealed record Hello(
    int ProtocolVersion, string AgentVersion, string Commit, string BuildDate,
    string Os, string Arch, string Hostname, string? ResticVersion, UpdateFailure? FailedUpdate = null, string? ResticSource = null,
    IReadOnlyList<AllowedEntry>? Allowlist = null) : AgentMessage;

/// <summary>Where an agent's restic comes from, in the order the agent looks.</summary>
public static class ResticSources
{
    /// <summary>The path given with <c>--restic</c>.</summary>
    public const string Configured = "configured";

    /// <summary>The restic the server provides (<c>/restic/binary</c>), downloaded and verified into the state directory.</summary>
    public const string Server = "server";

    /// <summary>The host's own restic, found on PATH.</summary>
    public const string Path = "path";
}

/// <summary>An update to <see cref="Version"/> that the agent refused or rolled back, and why.</summary>
public sealed record UpdateFailure(string Version, string Reason, DateTimeOffset At);

/// <summary>Said at once, on the open connection, when an offered update did not happen (the next hellos repeat it).</summary>
public sealed record UpdateFailed(UpdateFailure Failure) : AgentMessage;

/// <summary>"Still here", every <see cref="Welcome.HeartbeatSeconds"/>.</summary>
public sealed record Heartbeat(DateTimeOffset SentAt) : AgentMessage;

/// <summary>A job began (one the server sent, or one the agent's own schedule started).</summary>
public sealed record JobStarted(string JobId, string Kind, string RepositoryId, string Trigger, string? PlanId, DateTimeOffset StartedAt) : AgentMessage, IJobIdentity;

/// <summary>Live progress of a running job; at most about one a second, and droppable.</summary>
public sealed record JobProgress(
    string JobId, double PercentDone, long FilesDone, long TotalFiles, long BytesDone, long TotalBytes,
    long ErrorCount, long SecondsElapsed, long? SecondsRemaining, string? CurrentFile) : AgentMessage;

/// <summary>
/// How a job ended. The agent keeps it in its outbox and sends it until the server answers with
/// <see cref="ResultAck"/>; the server records it once per <see cref="JobId"/>.
/// </summary>
public sealed record JobResult(
    string JobId, string Kind, string RepositoryId, string Trigger, string? PlanId, string Status,
    DateTimeOffset StartedAt, DateTimeOffset FinishedAt, int? ExitCode = null, string? ErrorClass = null, string? Error = null,
    string? SnapshotId = null, BackupSummary? Backup = null, ForgetSummary? Forget = null, DrillSummary? Drill = null,
    CopySummary? Copy = null, IReadOnlyList<HookRun>? Hooks = null, IReadOnlyList<DumpResult>? Dumps = null)
    : AgentMessage, IJobIdentity;

/// <summary>After its outbox: the jobs the agent is running now. Any other unfinished job of this agent was lost.</summary>
public sealed record ActiveJobs(IReadOnlyList<string> JobIds) : AgentMessage;

/// <summary>
/// A part of the answer to a <see cref="Query"/>. Long answers come in several parts; the last has
/// <see cref="Done"/> set. <see cref="More"/> says a listing stopped at the limit.
/// </summary>
public sealed record QueryReply(
    string QueryId, bool Done, IReadOnlyList<SnapshotInfo>? Snapshots = null, IReadOnlyList<TreeEntry>? Entries = null,
    bool More = false, string? ErrorClass = null, string? Error = null, RepositoryStats? Stats = null) : AgentMessage;

/// <summary>A message from server to agent; <c>type</c> says which.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(Welcome), "welcome")]
[JsonDerivedType(typeof(PlanSet), "plans")]
[JsonDerivedType(typeof(RunJob), "runJob")]
[JsonDerivedType(typeof(CancelJob), "cancelJob")]
[JsonDerivedType(typeof(ResultAck), "resultAck")]
[JsonDerivedType(typeof(Query), "query")]
[JsonDerivedType(typeof(UpdateAgent), "updateAgent")]
public abstract record ServerMessage;

/// <summary>The server's answer to a good hello: the agent is online.</summary>
public sealed record Welcome(int ProtocolVersion, string AgentId, string ServerVersion, int HeartbeatSeconds) : ServerMessage;

/// <summary>Every enabled plan this agent runs (the whole set: plans not in it are dropped). Sent after welcome and on change.</summary>
public sealed record PlanSet(IReadOnlyList<AgentPlan> Plans) : ServerMessage;

/// <summary>Run this job now, on the repository that <paramref name="Repository"/> opens (its secrets travel only here).</summary>
public sealed record RunJob(JobSpec Job, RepositoryAccess Repository) : ServerMessage;

/// <summary>Stop this job: SIGINT to restic, kill after a grace period, then unlock.</summary>
public sealed record CancelJob(string JobId) : ServerMessage;

/// <summary>
/// The server is done with this result: it recorded it, or (<see cref="Refused"/> set) it refused it for good, as a claim
/// about work that is not this host's (a plan that no longer includes it, say). Either way the agent deletes it from
/// its outbox; a refusal is logged.
/// </summary>
public sealed record ResultAck(string JobId, string? Refused = null) : ServerMessage;

/// <summary>
/// A read-only question answered by restic and not kept as a job: <c>snapshots</c>, or <c>ls</c> of one directory
/// of <see cref="SnapshotId"/>, entries <see cref="Offset"/> to <see cref="Offset"/> + <see cref="Limit"/>.
/// </summary>
public sealed record Query(
    string QueryId, string Kind, RepositoryAccess Repository, string? SnapshotId = null, string? Path = null,
    int Offset = 0, int Limit = 0) : ServerMessage;

/// <summary>
/// Replace yourself with the agent of <paramref name="Version"/> that <c>GET /agent/binary</c> serves for your platform,
/// whose bytes have this SHA-256 and size, once no job runs. An older agent ignores it (unknown types are skipped).
/// </summary>
public sealed record UpdateAgent(string Version, string Sha256, long Size) : ServerMessage;

/// <summary>Body of <c>POST /agent/enroll</c>.</summary>
public sealed record EnrollRequest(string Token, string Hostname, string Os, string Arch, string AgentVersion, bool Replace);

/// <summary>Answer to a successful enrollment: the credential is shown once.</summary>
public sealed record EnrollResponse(string AgentId, string Credential, string ServerVersion);

/// <summary>The error envelope, as the agent reads it.</summary>
public sealed record ErrorBody(ErrorDetail Error);

public sealed record ErrorDetail(string Code, string Message);

// RespectNullableAnnotations: an explicit null where the record says a value is required fails to deserialize.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowOutOfOrderMetadataProperties = true, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(AgentMessage))]
[JsonSerializable(typeof(ServerMessage))]
[JsonSerializable(typeof(EnrollRequest))]
[JsonSerializable(typeof(EnrollResponse))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(JobSpec))]
[JsonSerializable(typeof(IReadOnlyList<AgentPlan>))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
