using System.Text.Json.Serialization;

namespace RestikManager.Server.Alerts;

/// <summary>The alerts API's JSON types, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ChannelRequest))]
[JsonSerializable(typeof(RuleRequest))]
[JsonSerializable(typeof(ChannelView))]
[JsonSerializable(typeof(IReadOnlyList<ChannelView>))]
[JsonSerializable(typeof(RuleView))]
[JsonSerializable(typeof(List<RuleView>))]
[JsonSerializable(typeof(IReadOnlyList<AlertView>))]
[JsonSerializable(typeof(ChannelTestResult))]
internal sealed partial class AlertsApiJson : JsonSerializerContext;
