using Dapper;
using RestikManager.Server.Data;

namespace RestikManager.Server.Accounts;

internal sealed record User(long Id, string Username, string PasswordHash, string Role, string CreatedAt, string? DisabledAt)
{
    public bool Disabled => DisabledAt is not null;
}

/// <summary>The <c>users</c> table.</summary>
internal sealed class UserStore(Database database, TimeProvider time)
{
    private const string Columns = "id, username, password_hash AS PasswordHash, role, created_at AS CreatedAt, disabled_at AS DisabledAt";

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

    public bool SetPassword(string username, string password)
    {
        using var connection = database.Open();
        return connection.Execute("UPDATE users SET password_hash = @hash WHERE username = @username",
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
