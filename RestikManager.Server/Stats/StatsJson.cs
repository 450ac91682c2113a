using System.Text.Json.Serialization;

namespace RestikManager.Server.Stats;

/// <summary>The repository statistics API's JSON types, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RepositoryStatsView))]
internal sealed partial class StatsJson : JsonSerializerContext;
