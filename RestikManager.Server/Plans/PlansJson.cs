using System.Text.Json.Serialization;

namespace RestikManager.Server.Plans;

/// <summary>The plans API's JSON types, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PlanSetsChanged))]
[JsonSerializable(typeof(Plan))]
[JsonSerializable(typeof(List<Plan>))]
[JsonSerializable(typeof(PlanRequest))]
internal sealed partial class PlansJson : JsonSerializerContext;
