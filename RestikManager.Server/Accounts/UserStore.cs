using Dapper;
using RestikManager.Server.Data;

namespace RestikManager.Server.Accounts;

internal sealed record User(long Id, string Username, string PasswordHash, string Role, string CreatedAt, string? DisabledAt,
    string? Issuer = null, string? Subject = null)
{
    public bool Disabled => DisabledAt is not null;

    /// <summary>Signed in through an OpenID Connect provider: no password here, its role set by the provider's groups.</summary>
    public bool External => Issuer is not null;
}

/// <summary>The <c>users</c> table.</summary>
internal sealed class UserStore(Database database, TimeProvider time)
{
    private const string Columns = "id, username, password_hash AS PasswordHash, role, created_at AS CreatedAt, disabled_at AS DisabledAt, " +
                                   "issuer, subject";

    public User? Find(string username)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<User>(
            $"SELECT {Columns} FROM users WHERE username = @username",
            new { username });
    }

    public User? Find(long id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<User>(
            $"SELECT {Columns} FROM users WHERE id = @id", new { id });
    }

    public IReadOnlyList<User> List()
    {
        using var connection = database.Open();
        return [.. connection.Query<User>($"SELECT {Columns} FROM users ORDER BY {database.Sql.NoCase("username")}")];
    }

    public long Count()
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<long>("SELECT count(*) FROM users");
    }

    /// <summary>Creates a user; returns null when the name is taken.</summary>
    public User? Create(string username, string password, string role)
    {
        using var connection = database.Open();
        var id = connection.ExecuteScalar<long?>(
            """
            INSERT INTO users (username, password_hash, role, created_at) VALUES (@username, @hash, @role, @now)
            ON CONFLICT DO NOTHING RETURNING id
            """,
            new { username, hash = PasswordHasher.Hash(password), role, now = time.GetUtcNow() });
        return id is null ? null : Find(id.Value);
    }

    /// <summary>The user a provider's <paramref name="issuer"/> knows as <paramref name="subject"/>.</summary>
    public User? FindExternal(string issuer, string subject)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<User>(
            $"SELECT {Columns} FROM users WHERE issuer = @issuer AND subject = @subject", new { issuer, subject });
    }

    /// <summary>Creates a user for a provider's subject (no password: an empty hash never verifies); null when the name is taken.</summary>
    public User? CreateExternal(string username, string role, string issuer, string subject)
    {
        using var connection = database.Open();
        var id = connection.ExecuteScalar<long?>(
            """
            INSERT INTO users (username, password_hash, role, created_at, issuer, subject) VALUES (@username, '', @role, @now, @issuer, @subject)
            ON CONFLICT DO NOTHING RETURNING id
            """,
            new { username, role, now = time.GetUtcNow(), issuer, subject });
        return id is null ? null : Find(id.Value);
    }

    public bool SetPassword(string username, string password)
    {
        using var connection = database.Open();
        return connection.Execute("UPDATE users SET password_hash = @hash WHERE username = @username AND issuer IS NULL",
            new { username, hash = PasswordHasher.Hash(password) }) == 1;
    }

    public void SetRole(long id, string role)
    {
        using var connection = database.Open();
        connection.Execute("UPDATE users SET role = @role WHERE id = @id", new { id, role });
    }

    public void SetDisabled(long id, bool disabled)
    {
        using var connection = database.Open();
        connection.Execute("UPDATE users SET disabled_at = @at WHERE id = @id", new { id, at = disabled ? time.GetUtcNow() : (DateTimeOffset?)null });
    }

    /// <summary>Admins who can still sign in.</summary>
    public long ActiveAdmins()
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<long>($"SELECT count(*) FROM users WHERE role = '{Roles.Admin}' AND disabled_at IS NULL");
    }
}
