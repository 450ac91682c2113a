using System.Text.Json.Serialization;

namespace RestikManager.Server.Repositories;

/// <summary>The repositories API's JSON types, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RepositoryChanged))]
[JsonSerializable(typeof(RepositoryView))]
[JsonSerializable(typeof(List<RepositoryView>))]
[JsonSerializable(typeof(RepositoryRequest))]
internal sealed partial class RepositoriesJson : JsonSerializerContext;
