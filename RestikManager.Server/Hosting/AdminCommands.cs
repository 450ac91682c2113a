using System.CommandLine;
using Microsoft.Extensions.Configuration;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;
using RestikManager.Server.Audit;
using RestikManager.Server.Configuration;
using RestikManager.Server.Data;

namespace RestikManager.Server.Hosting;

/// <summary>
/// <c>restic-manager-server admin …</c>: host-side commands for the operator who can reach the machine
/// but not the UI. They work on <c>RM_DATA_DIR</c> directly, also while the server runs (SQLite WAL).
/// </summary>
internal static class AdminCommands
{
    public static Command Create()
    {
        var admin = new Command("admin", "Host-side administration (works on RM_DATA_DIR directly).");

        var user = new Option<string>("--user") { Description = "Account name.", DefaultValueFactory = _ => "admin" };
        var reset = new Command("reset-password", "Set a new password for an account; the password is read from standard input, never from the command line.") { user };
        reset.SetAction(result => ResetPassword(result.GetValue(user)!));
        admin.Subcommands.Add(reset);

        var label = new Option<string?>("--label") { Description = "Label for the host that will use the token." };
        var expires = new Option<int?>("--expires-in-minutes") { Description = $"Lifetime (default {EnrollmentTokens.DefaultLifetime.TotalMinutes}, at most {EnrollmentTokens.MaxLifetime.TotalMinutes})." };
        var token = new Command("enrollment-token", "Create a single-use enrollment token and print it.") { label, expires };
        token.SetAction(result => CreateEnrollmentToken(result.GetValue(label), result.GetValue(expires)));
        admin.Subcommands.Add(token);
        return admin;
    }

    private static int ResetPassword(string username)
    {
        return WithData((database, audit) =>
        {
            var users = new UserStore(database, TimeProvider.System);
            if (users.Find(username) is null)
            {
                Console.Error.WriteLine($"restic-manager-server: no account '{username}'");
                return 1;
            }

            var password = Console.In.ReadLine();
            if (PasswordHasher.Weakness(password) is { } weakness)
            {
                Console.Error.WriteLine($"restic-manager-server: the new password {weakness} (read one line from standard input)");
                return 1;
            }

            users.SetPassword(username, password!);
            audit.Append("host:admin-command", "user.reset_password", $"user:{username}");
            Console.Out.WriteLine($"The password of '{username}' was reset.");
            return 0;
        });
    }

    private static int CreateEnrollmentToken(string? label, int? expiresInMinutes)
    {
        if (EnrollmentTokens.Problem(label, expiresInMinutes) is { } problem)
        {
            Console.Error.WriteLine($"restic-manager-server: {problem}");
            return 1;
        }

        return WithData((database, audit) =>
        {
            var (view, token) = new EnrollmentTokens(database, TimeProvider.System).Create(label, expiresInMinutes, "host:admin-command");
            audit.Append("host:admin-command", "enrollment_token.create", $"token:{view.Id}", detail: view.Label);
            Console.Out.WriteLine(token);
            Console.Error.WriteLine($"(single use, expires {view.ExpiresAt}) On a Linux host: curl -fsSL <server>/install/install.sh | sudo sh -s -- --token {token}");
            return 0;
        });
    }

    private static int WithData(Func<Database, AuditLog, int> action)
    {
        try
        {
            var settings = ServerSettings.Load(new ConfigurationBuilder().AddEnvironmentVariables().Build());
            if (settings.DatabaseConnectionString is null && !File.Exists(Path.Join(settings.DataDir, Database.FileName)))
            {
                Console.Error.WriteLine($"restic-manager-server: no database in {settings.DataDir}; start the server once first (or set RM_DATA_DIR)");
                return 1;
            }

            var (_, database) = DataDirectory.Prepare(settings);
            using (database)
            {
                return action(database, AuditLog.For(settings.DataDir, database, TimeProvider.System));
            }
        }
        catch (StartupRefusedException e)
        {
            Console.Error.WriteLine($"restic-manager-server: {e.Message}");
            return 1;
        }
    }
}
