using System.Text.Json.Serialization;

namespace RestikManager.Server.Jobs;

/// <summary>The jobs API's JSON types, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(JobView))]
[JsonSerializable(typeof(IReadOnlyList<JobView>))]
[JsonSerializable(typeof(List<JobView>))]
[JsonSerializable(typeof(StartJobRequest))]
[JsonSerializable(typeof(JobChanged))]
[JsonSerializable(typeof(JobsQueued))]
internal sealed partial class JobsJson : JsonSerializerContext;
