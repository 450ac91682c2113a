using Dapper;
using RestikManager.Server.Data;

namespace RestikManager.Server.Updates;

/// <summary>The <c>agent_update_policy</c> row (the per-host state lives on <c>agents</c>, see AgentStore.SetUpdate).</summary>
internal sealed class UpdateStore(Database database, TimeProvider time)
{
    private const string Columns = "mode, canary_percent AS CanaryPercent, canary_label AS CanaryLabel, paused_reason AS PausedReason, updated_at AS UpdatedAt";

    public UpdatePolicy Policy()
    {
        using var connection = database.Open();
        var row = connection.QuerySingle<Row>($"SELECT {Columns} FROM agent_update_policy WHERE id = 1");
        return new UpdatePolicy(row.Mode, (int)row.CanaryPercent, row.CanaryLabel, row.PausedReason, row.UpdatedAt);
    }

    // SQLite's integers are 64-bit.
    private sealed record Row(string Mode, long CanaryPercent, string? CanaryLabel, string? PausedReason, string UpdatedAt);

    public UpdatePolicy Save(UpdatePolicy policy)
    {
        using var connection = database.Open();
        connection.Execute(
            "UPDATE agent_update_policy SET mode = @Mode, canary_percent = @CanaryPercent, canary_label = @CanaryLabel, paused_reason = @PausedReason, updated_at = @now WHERE id = 1",
            new { policy.Mode, policy.CanaryPercent, policy.CanaryLabel, policy.PausedReason, now = time.GetUtcNow() });
        return Policy();
    }

    /// <summary>Pauses the rollout with <paramref name="reason"/> unless it is paused already (the first reason stays).</summary>
    public void Pause(string reason)
    {
        using var connection = database.Open();
        connection.Execute("UPDATE agent_update_policy SET paused_reason = @reason, updated_at = @now WHERE id = 1 AND paused_reason IS NULL",
            new { reason, now = time.GetUtcNow() });
    }
}
