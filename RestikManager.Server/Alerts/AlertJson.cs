using System.Text.Json;
using System.Text.Json.Serialization;

namespace RestikManager.Server.Alerts;

/// <summary>The JSON alerts keep in columns and send (settings, messages), source-generated.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ChannelSettings))]
[JsonSerializable(typeof(AlertMessage))]
[JsonSerializable(typeof(AlertWorkDue))]
[JsonSerializable(typeof(PingMessage))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class AlertJson : JsonSerializerContext;
