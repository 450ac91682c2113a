using System.Text.Json;
using Dapper;
using RestikManager.Server.Data;

namespace RestikManager.Server.Alerts;

/// <summary>The <c>alert_rules</c> table; list-valued fields are JSON arrays.</summary>
internal sealed class RuleStore(Database database, TimeProvider time)
{
    private const string Columns = """
        id, name, events, plans, hosts, labels, channels, offline_after_minutes AS OfflineAfterMinutes,
        overdue_grace_minutes AS OverdueGraceMinutes, remind_every_minutes AS RemindEveryMinutes, enabled,
        created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    private sealed record Row(
        string Id, string Name, string Events, string Plans, string Hosts, string Labels, string Channels, long OfflineAfterMinutes,
        long OverdueGraceMinutes, long? RemindEveryMinutes, long Enabled, string CreatedAt, string UpdatedAt)
    {
        public AlertRule ToRule() => new(Id, Name, List(Events), List(Plans), List(Hosts), List(Labels), List(Channels),
            (int)OfflineAfterMinutes, (int)OverdueGraceMinutes, (int)(RemindEveryMinutes ?? 0), Enabled != 0, CreatedAt, UpdatedAt);

        private static List<string> List(string json) => JsonSerializer.Deserialize(json, StoredJson.Default.ListString) ?? [];
    }

    public IReadOnlyList<AlertRule> List()
    {
        using var connection = database.Open();
        return [.. connection.Query<Row>($"SELECT {Columns} FROM alert_rules ORDER BY {database.Sql.NoCase("name")}").Select(r => r.ToRule())];
    }

    public AlertRule? Find(string id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<Row>($"SELECT {Columns} FROM alert_rules WHERE id = @id", new { id })?.ToRule();
    }

    public bool NameTaken(string name, string? exceptId)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<long>($"SELECT count(*) FROM alert_rules WHERE {database.Sql.NoCaseEquals("name", "@name")} AND id IS DISTINCT FROM @exceptId",
            new { name, exceptId }) > 0;
    }

    /// <summary>Rules that send to <paramref name="channelId"/>.</summary>
    public IReadOnlyList<AlertRule> Using(string channelId) => [.. List().Where(r => r.Channels.Contains(channelId))];

    public AlertRule Save(AlertRule rule)
    {
        var now = time.GetUtcNow();
        var creating = rule.Id.Length == 0;
        var id = creating ? Guid.NewGuid().ToString("N") : rule.Id;
        using var connection = database.Open();
        connection.Execute(creating
            ? """
              INSERT INTO alert_rules (id, name, events, plans, hosts, labels, channels, offline_after_minutes, overdue_grace_minutes,
                                       remind_every_minutes, enabled, created_at, updated_at)
              VALUES (@id, @Name, @events, @plans, @hosts, @labels, @channels, @OfflineAfterMinutes, @OverdueGraceMinutes,
                      @RemindEveryMinutes, @Enabled, @now, @now)
              """
            : """
              UPDATE alert_rules SET name = @Name, events = @events, plans = @plans, hosts = @hosts, labels = @labels, channels = @channels,
                  offline_after_minutes = @OfflineAfterMinutes, overdue_grace_minutes = @OverdueGraceMinutes,
                  remind_every_minutes = @RemindEveryMinutes, enabled = @Enabled, updated_at = @now
              WHERE id = @id
              """,
            new
            {
                id, rule.Name, events = Json(rule.Events), plans = Json(rule.Plans), hosts = Json(rule.Hosts), labels = Json(rule.Labels),
                channels = Json(rule.Channels), rule.OfflineAfterMinutes, rule.OverdueGraceMinutes, rule.RemindEveryMinutes, Enabled = rule.Enabled ? 1 : 0, now,
            });
        return Find(id)!;
    }

    public bool Delete(string id)
    {
        using var connection = database.Open();
        return connection.Execute("DELETE FROM alert_rules WHERE id = @id", new { id }) > 0;
    }

    private static string Json(IReadOnlyList<string> values) => JsonSerializer.Serialize([.. values], StoredJson.Default.ListString);
}
