using System.Text.Json;
using Dapper;
using RestikManager.Server.Data;
using RestikManager.Server.Secrets;

namespace RestikManager.Server.Alerts;

/// <summary>
/// The <c>notification_channels</c> table and the channels' secrets in <see cref="SecretStore"/>. Secrets go in, and out
/// only to the sender (<see cref="Secret"/>); the API sees their names.
/// </summary>
internal sealed class ChannelStore(Database database, SecretStore secrets, TimeProvider time)
{
    private const string Columns = "id, name, kind, settings, created_at AS CreatedAt, updated_at AS UpdatedAt";

    private sealed record Row(string Id, string Name, string Kind, string Settings, string CreatedAt, string UpdatedAt)
    {
        public Channel ToChannel() => new(Id, Name, Kind,
            JsonSerializer.Deserialize(Settings, AlertJson.Default.ChannelSettings) ?? new ChannelSettings(), CreatedAt, UpdatedAt);
    }

    public IReadOnlyList<Channel> List()
    {
        using var connection = database.Open();
        return [.. connection.Query<Row>($"SELECT {Columns} FROM notification_channels ORDER BY {database.Sql.NoCase("name")}").Select(r => r.ToChannel())];
    }

    public Channel? Find(string id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<Row>($"SELECT {Columns} FROM notification_channels WHERE id = @id", new { id })?.ToChannel();
    }

    public bool NameTaken(string name, string? exceptId)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<long>($"SELECT count(*) FROM notification_channels WHERE {database.Sql.NoCaseEquals("name", "@name")} AND id IS DISTINCT FROM @exceptId",
            new { name, exceptId }) > 0;
    }

    /// <summary>The value of a channel's secret field, for sending only.</summary>
    public string? Secret(string channelId, string field) => secrets.Get(ChannelSecrets.Key(channelId, field));

    /// <summary>The names of the secret fields a channel has set (never their values).</summary>
    public IReadOnlyList<string> SecretNames(string channelId) =>
        [.. ChannelSecrets.All.Where(f => secrets.Get(ChannelSecrets.Key(channelId, f)) is not null)];

    /// <summary>
    /// Creates or updates a channel. Secrets are written first (one atomic replace of secrets.enc), then the row; a
    /// secret set to "" is removed.
    /// </summary>
    public Channel Save(string? id, string name, string kind, ChannelSettings settings, IReadOnlyDictionary<string, string> secretChanges)
    {
        var now = time.GetUtcNow();
        var creating = id is null;
        id ??= Guid.NewGuid().ToString("N");
        if (secretChanges.Count > 0)
        {
            secrets.Apply(secretChanges.ToDictionary(kv => ChannelSecrets.Key(id, kv.Key), kv => kv.Value.Length == 0 ? null : kv.Value, StringComparer.Ordinal));
        }

        using var connection = database.Open();
        connection.Execute(creating
            ? "INSERT INTO notification_channels (id, name, kind, settings, created_at, updated_at) VALUES (@id, @name, @kind, @json, @now, @now)"
            : "UPDATE notification_channels SET name = @name, settings = @json, updated_at = @now WHERE id = @id",
            new { id, name, kind, json = JsonSerializer.Serialize(settings, AlertJson.Default.ChannelSettings), now });
        return Find(id)!;
    }

    public void Delete(string id)
    {
        using (var connection = database.Open())
        {
            connection.Execute("DELETE FROM notification_channels WHERE id = @id", new { id });
        }

        secrets.Apply(ChannelSecrets.All.ToDictionary(f => ChannelSecrets.Key(id, f), _ => (string?)null, StringComparer.Ordinal));
    }
}
