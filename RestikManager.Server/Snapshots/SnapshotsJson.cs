using System.Text.Json.Serialization;

namespace RestikManager.Server.Snapshots;

/// <summary>The snapshots API's JSON types, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SnapshotList))]
[JsonSerializable(typeof(TreePage))]
[JsonSerializable(typeof(QueryForwarded))]
[JsonSerializable(typeof(QueryAnswered))]
internal sealed partial class SnapshotsJson : JsonSerializerContext;
