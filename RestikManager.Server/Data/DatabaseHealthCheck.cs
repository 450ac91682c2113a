using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RestikManager.Server.Data;

/// <summary>Ready means the database answers a query.</summary>
internal sealed class DatabaseHealthCheck(Database database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = database.Open();
            await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM instance", cancellationToken: cancellationToken));
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("database unreachable", e);
        }
    }
}
