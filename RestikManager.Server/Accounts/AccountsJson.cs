using System.Text.Json.Serialization;

namespace RestikManager.Server.Accounts;

/// <summary>The accounts API's JSON types, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CreateTokenRequest))]
[JsonSerializable(typeof(CreatedToken))]
[JsonSerializable(typeof(List<ApiTokenView>))]
[JsonSerializable(typeof(CreateUserRequest))]
[JsonSerializable(typeof(UserView))]
[JsonSerializable(typeof(ChangeUserRequest))]
[JsonSerializable(typeof(ChangePasswordRequest))]
[JsonSerializable(typeof(List<UserView>))]
internal sealed partial class AccountsJson : JsonSerializerContext;
