using Dapper;
using Microsoft.Extensions.Configuration;
using RestikManager.Server.Audit;
using RestikManager.Server.Configuration;
using RestikManager.Server.Data;

namespace RestikManager.Server.Accounts;

/// <summary>
/// First start: creates <c>admin</c> from <c>RM_ADMIN_PASSWORD</c>, or, without it, logs a one-time setup
/// link that expires after <see cref="SetupLifetime"/> and works once.
/// </summary>
internal sealed partial class AdminBootstrap(
    UserStore users, Database database, AuditLog audit, TimeProvider time, ILogger<AdminBootstrap> logger)
{
    public static readonly TimeSpan SetupLifetime = TimeSpan.FromHours(24);
    public const string SetupPath = "/setup";

    /// <summary>Validates <c>RM_ADMIN_PASSWORD</c> before anything is written.</summary>
    public static string? ReadAdminPassword(IConfiguration config)
    {
        var password = ServerSettings.Value(config, "RM_ADMIN_PASSWORD");
        if (password is not null && PasswordHasher.Weakness(password) is { } weakness)
        {
            throw new StartupRefusedException($"RM_ADMIN_PASSWORD: {weakness}");
        }

        return password;
    }

    public void Run(string? adminPassword, Uri? baseUrl)
    {
        if (users.Count() > 0)
        {
            return;
        }

        if (adminPassword is not null)
        {
            users.Create(Roles.Admin, adminPassword, Roles.Admin);
            audit.Append("system", "user.bootstrap", Roles.Admin, detail: "from RM_ADMIN_PASSWORD");
            LogBootstrapped(logger);
            return;
        }

        var token = SecretTokens.New("rms_");
        using (var connection = database.Open())
        {
            connection.Execute("DELETE FROM setup_tokens; INSERT INTO setup_tokens (token_hash, expires_at) VALUES (@hash, @expires)",
                new { hash = SecretTokens.Hash(token), expires = time.GetUtcNow() + SetupLifetime });
        }

        audit.Append("system", "setup.link", Roles.Admin);
        var link = $"{baseUrl?.ToString().TrimEnd('/')}{SetupPath}?token={token}";
        LogSetupLink(logger, link, (int)SetupLifetime.TotalHours);
    }

    /// <summary>Uses a setup token once: creates the admin account. False when the token is unknown, used or expired.</summary>
    public bool CompleteSetup(string token, string password)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var claimed = connection.Execute(
            "UPDATE setup_tokens SET used_at = @now WHERE token_hash = @hash AND used_at IS NULL AND expires_at > @now",
            new { hash = SecretTokens.Hash(token), now = time.GetUtcNow() }, transaction);
        if (claimed != 1 || connection.ExecuteScalar<long>("SELECT count(*) FROM users", transaction: transaction) > 0)
        {
            return false;
        }

        connection.Execute("INSERT INTO users (username, password_hash, role, created_at) VALUES ('admin', @hash, 'admin', @now)",
            new { hash = PasswordHasher.Hash(password), now = time.GetUtcNow() }, transaction);
        transaction.Commit();
        audit.Append("system", "user.setup", Roles.Admin);
        return true;
    }

    [LoggerMessage(10, LogLevel.Information, "Created the admin account from RM_ADMIN_PASSWORD")]
    private static partial void LogBootstrapped(ILogger logger);

    [LoggerMessage(11, LogLevel.Warning, "No operator account exists yet. Open {SetupLink} within {Hours} hours to set the admin password (the link works once)")]
    private static partial void LogSetupLink(ILogger logger, string setupLink, int hours);
}
