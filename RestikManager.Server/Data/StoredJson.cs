using System.Text.Json;
using System.Text.Json.Serialization;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Server.Data;

/// <summary>The JSON the server keeps in table columns (lists, retention, job specs and summaries), source-generated.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<string[]>))]
[JsonSerializable(typeof(Retention))]
[JsonSerializable(typeof(JobSpec))]
[JsonSerializable(typeof(BackupSummary))]
[JsonSerializable(typeof(ForgetSummary))]
[JsonSerializable(typeof(DrillSummary))]
[JsonSerializable(typeof(CopySummary))]
[JsonSerializable(typeof(PlanHooks))]
[JsonSerializable(typeof(List<AllowedEntry>))]
[JsonSerializable(typeof(List<HookRun>))]
[JsonSerializable(typeof(List<DumpResult>))]
internal sealed partial class StoredJson : JsonSerializerContext;
