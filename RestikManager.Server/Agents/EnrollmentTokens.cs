using Dapper;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Accounts;
using RestikManager.Server.Data;

namespace RestikManager.Server.Agents;

internal sealed record EnrollmentTokenView(long Id, string? Label, string CreatedBy, string CreatedAt, string ExpiresAt, string? UsedAt, string? AgentId);

/// <summary>Single-use, expiring enrollment tokens (<c>enrollment_tokens</c>), stored as SHA-256.</summary>
internal sealed class EnrollmentTokens(Database database, TimeProvider time)
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    /// <summary>Why a requested lifetime or label is refused, or null.</summary>
    public static string? Problem(string? label, int? expiresInMinutes)
    {
        if (label is { Length: > 100 })
        {
            return "label is at most 100 characters";
        }

        if (expiresInMinutes is { } m && (m < 1 || TimeSpan.FromMinutes(m) > MaxLifetime))
        {
            return $"expiresInMinutes must be from 1 to {(int)MaxLifetime.TotalMinutes}";
        }

        return null;
    }

    public (EnrollmentTokenView View, string Token) Create(string? label, int? expiresInMinutes, string createdBy)
    {
        var token = SecretTokens.New(AgentProtocol.EnrollmentTokenPrefix);
        var now = time.GetUtcNow();
        var lifetime = expiresInMinutes is { } m ? TimeSpan.FromMinutes(m) : DefaultLifetime;
        using var connection = database.Open();
        var id = connection.ExecuteScalar<long>(
            """
            INSERT INTO enrollment_tokens (token_hash, label, created_by, created_at, expires_at)
            VALUES (@hash, @label, @createdBy, @now, @expires) RETURNING id
            """,
            new { hash = SecretTokens.Hash(token), label = string.IsNullOrWhiteSpace(label) ? null : label.Trim(), createdBy, now, expires = now + lifetime });
        // The one row, not the list: creating the 25,000th token must not read the 24,999 before it.
        return (connection.QuerySingle<EnrollmentTokenView>(Select + " WHERE id = @id", new { id }), token);
    }

    private const string Select =
        "SELECT id, label, created_by AS CreatedBy, created_at AS CreatedAt, expires_at AS ExpiresAt, used_at AS UsedAt, agent_id AS AgentId FROM enrollment_tokens";

    public IReadOnlyList<EnrollmentTokenView> List()
    {
        using var connection = database.Open();
        return [.. connection.Query<EnrollmentTokenView>(Select + " ORDER BY id")];
    }
}
