using Dapper;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Data;
using RestikManager.Server.Secrets;

namespace RestikManager.Server.Repositories;

internal sealed record RepositoryRecord(string Id, string Name, string Url, string CreatedAt, string UpdatedAt);

/// <summary>
/// Repositories: name and (masked) URL in SQLite, password and backend credentials in <see cref="SecretStore"/>.
/// Secrets go in, and out only as a <see cref="RepositoryAccess"/> for an agent; never to the API.
/// </summary>
internal sealed class RepositoryStore(Database database, SecretStore secrets, TimeProvider time)
{
    private const string Columns = "id, name, url, created_at AS CreatedAt, updated_at AS UpdatedAt";

    public IReadOnlyList<RepositoryRecord> List()
    {
        using var connection = database.Open();
        return connection.Query<RepositoryRecord>($"SELECT {Columns} FROM repositories ORDER BY {database.Sql.NoCase("name")}").ToList();
    }

    public RepositoryRecord? Find(string id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<RepositoryRecord>($"SELECT {Columns} FROM repositories WHERE id = @id", new { id });
    }

    public bool NameTaken(string name, string? exceptId)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<long>($"SELECT count(*) FROM repositories WHERE {database.Sql.NoCaseEquals("name", "@name")} AND id IS DISTINCT FROM @exceptId",
            new { name, exceptId }) > 0;
    }

    /// <summary>The names of the secrets a repository has (never their values).</summary>
    public IReadOnlyList<string> SecretNames(string id)
    {
        var prefix = RepositorySecrets.KeyPrefix(id);
        return secrets.Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Select(n => n[prefix.Length..])
            .Where(n => n != RepositorySecrets.Url).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Creates or updates a repository. Secrets are written first (one atomic replace of secrets.enc), then the row:
    /// a failure in between leaves unused secrets, never a repository without its password.
    /// </summary>
    public RepositoryRecord Save(string? id, string name, string? url, IReadOnlyDictionary<string, string?> secretChanges)
    {
        var now = time.GetUtcNow();
        var existing = id is null ? null : Find(id);
        id ??= Guid.NewGuid().ToString("N");
        var changes = secretChanges.ToDictionary(kv => RepositorySecrets.Key(id, kv.Key), kv => kv.Value, StringComparer.Ordinal);
        var shownUrl = existing?.Url;
        if (url is not null)
        {
            changes[RepositorySecrets.Key(id, RepositorySecrets.Url)] = RepositoryUrl.HasPassword(url) ? url : null;
            shownUrl = RepositoryUrl.Mask(url);
        }

        if (changes.Count > 0)
        {
            secrets.Apply(changes);
        }

        using var connection = database.Open();
        connection.Execute(existing is null
            ? "INSERT INTO repositories (id, name, url, created_at, updated_at) VALUES (@id, @name, @url, @now, @now)"
            : "UPDATE repositories SET name = @name, url = @url, updated_at = @now WHERE id = @id",
            new { id, name, url = shownUrl, now });
        return Find(id)!;
    }

    public void Delete(string id)
    {
        using (var connection = database.Open())
        {
            connection.Execute("DELETE FROM snapshots WHERE repository_id = @id; DELETE FROM snapshot_refreshes WHERE repository_id = @id; DELETE FROM repositories WHERE id = @id", new { id });
        }

        var prefix = RepositorySecrets.KeyPrefix(id);
        secrets.Apply(secrets.Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(n => n, _ => (string?)null));
    }

    /// <summary>What an agent needs to open the repository, secrets included. Only for messages to agents.</summary>
    public RepositoryAccess? Access(string id)
    {
        if (Find(id) is not { } repository)
        {
            return null;
        }

        var prefix = RepositorySecrets.KeyPrefix(id);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in secrets.Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var variable = name[prefix.Length..];
            if (variable != RepositorySecrets.Url && secrets.Get(name) is { } value)
            {
                env[variable] = value;
            }
        }

        var url = secrets.Get(RepositorySecrets.Key(id, RepositorySecrets.Url)) ?? repository.Url;
        return new RepositoryAccess(id, url, env);
    }
}
