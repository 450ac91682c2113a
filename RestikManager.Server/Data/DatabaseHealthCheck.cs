using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RestikManager.Server.Data;

/// <summary>
/// Ready means the database file is where it belongs and answers a query. The file check matters: a pooled
/// connection keeps answering from a database file that was deleted, while every write it takes is lost.
/// </summary>
internal sealed class DatabaseHealthCheck(Database database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (database.Engine == DatabaseEngine.Sqlite && !File.Exists(database.Path))
        {
            return HealthCheckResult.Unhealthy($"database file {database.Path} is missing");
        }

        try
        {
            await using var connection = database.Open();
            await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM instance", cancellationToken: cancellationToken));
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("database unreachable", e);
        }
    }
}
