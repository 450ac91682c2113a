using System.Collections.Concurrent;
using Dapper;
using RestikManager.Server.Data;

namespace RestikManager.Server.Accounts;

internal sealed record ApiToken(long Id, long UserId, string Name, string CreatedAt, string? LastUsedAt, string? RevokedAt);

/// <summary>
/// The <c>api_tokens</c> table. Tokens are shown once at creation and stored as SHA-256; last-used time is
/// written at most once a minute per token, so automation does not turn every request into a write.
/// </summary>
internal sealed class ApiTokenStore(Database database, TimeProvider time)
{
    public const string Prefix = "rmt_";
    private static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<long, DateTimeOffset> _touched = new();

    public (ApiToken Token, string Secret) Create(long userId, string name)
    {
        var secret = SecretTokens.New(Prefix);
        using var connection = database.Open();
        var id = connection.ExecuteScalar<long>(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (@userId, @name, @hash, @now) RETURNING id",
            new { userId, name, hash = SecretTokens.Hash(secret), now = time.GetUtcNow() });
        return (Find(id)!, secret);
    }

    /// <summary>The user a live token belongs to, recording its use.</summary>
    public (ApiToken Token, User User)? Authenticate(string secret, UserStore users)
    {
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        using var connection = database.Open();
        var token = connection.QuerySingleOrDefault<ApiToken>(
            "SELECT id, user_id AS UserId, name, created_at AS CreatedAt, last_used_at AS LastUsedAt, revoked_at AS RevokedAt FROM api_tokens WHERE token_hash = @hash AND revoked_at IS NULL",
            new { hash = SecretTokens.Hash(secret) });
        if (token is null || users.Find(token.UserId) is not { Disabled: false } user)
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (!_touched.TryGetValue(token.Id, out var last) || now - last >= TouchEvery)
        {
            _touched[token.Id] = now;
            connection.Execute("UPDATE api_tokens SET last_used_at = @now WHERE id = @id", new { id = token.Id, now });
        }

        return (token, user);
    }

    public IReadOnlyList<ApiToken> ListFor(long userId)
    {
        using var connection = database.Open();
        return [.. connection.Query<ApiToken>(
            "SELECT id, user_id AS UserId, name, created_at AS CreatedAt, last_used_at AS LastUsedAt, revoked_at AS RevokedAt FROM api_tokens WHERE user_id = @userId ORDER BY id",
            new { userId })];
    }

    public ApiToken? Find(long id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<ApiToken>(
            "SELECT id, user_id AS UserId, name, created_at AS CreatedAt, last_used_at AS LastUsedAt, revoked_at AS RevokedAt FROM api_tokens WHERE id = @id", new { id });
    }

    public bool Revoke(long id)
    {
        using var connection = database.Open();
        return connection.Execute("UPDATE api_tokens SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL",
            new { id, now = time.GetUtcNow() }) == 1;
    }
}
