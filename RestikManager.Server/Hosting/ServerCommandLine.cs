using System.CommandLine;
using RestikManager.Contracts;

namespace RestikManager.Server.Hosting;

/// <summary>
/// <c>restic-manager-server</c> with no command runs the server (configured by <c>RM_*</c>);
/// <c>--version</c> prints the build stamp; <c>health</c> probes a running server; <c>admin</c> holds
/// host-side administration (password reset, enrollment tokens).
/// </summary>
internal static class ServerCommandLine
{
    public const string ProgramName = "restic-manager-server";

    /// <param name="runServer">Runs the server with its host configuration arguments; returns the exit code.</param>
    public static RootCommand Create(Func<string[], Task<int>> runServer)
    {
        var root = new RootCommand("restic-manager server: plans, repositories, secrets, history and the agent hub. Configured by RM_* environment variables.");
        root.Options.Remove(root.Options.OfType<VersionOption>().Single());
        var version = new Option<bool>("--version") { Description = "Print version, commit and build date, then exit." };
        root.Options.Add(version);

        // Tokens of the form --key=value are host configuration (the test host passes its settings so);
        // anything else is a mistake and is refused.
        root.TreatUnmatchedTokensAsErrors = false;
        root.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(version))
            {
                Console.Out.WriteLine(BuildInfo.Current.Describe(ProgramName));
                return 0;
            }

            var stray = result.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith("--", StringComparison.Ordinal) || !t.Contains('=', StringComparison.Ordinal));
            if (stray is not null)
            {
                Console.Error.WriteLine($"{ProgramName}: unknown argument '{stray}'; see --help");
                return 2;
            }

            return await runServer([.. result.UnmatchedTokens]);
        });

        var health = new Command("health", "Probe the local server's /health (at RM_LISTEN); exit 0 when ready, 1 otherwise.");
        health.SetAction((_, cancellationToken) => HealthProbe.RunAsync(Console.Out, Console.Error, cancellationToken));
        root.Subcommands.Add(health);
        root.Subcommands.Add(AdminCommands.Create());
        root.Subcommands.Add(MigrateCommand());
        return root;
    }

    private static Command MigrateCommand()
    {
        var from = new Option<string>("--from") { Description = "The data directory of the SQLite installation (RM_DATA_DIR).", Required = true };
        var to = new Option<string?>("--to")
        {
            Description = "The empty PostgreSQL database: a postgres:// URL or an Npgsql connection string (default: RM_DATABASE_URL). " +
                          "Leave the password out and set PGPASSWORD, so that it is on no command line.",
        };
        var command = new Command("migrate-to-postgres",
            "Move a stopped SQLite installation into an empty PostgreSQL database (everything; the audit chain verified after). " +
            "Then give every replica RM_DATABASE_URL and the installation's key (RM_SECRET_KEY_FILE=<data dir>/secret.key).") { from, to };
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            var error = result.InvocationConfiguration.Error;
            var url = result.GetValue(to) ?? Environment.GetEnvironmentVariable("RM_DATABASE_URL");
            if (string.IsNullOrEmpty(url))
            {
                error.WriteLine($"{ProgramName}: migrate-to-postgres needs --to or RM_DATABASE_URL");
                return 2;
            }

            try
            {
                var dataDir = Path.GetFullPath(result.GetValue(from)!);
                var connection = Configuration.DatabaseUrl.ToConnectionString(url);
                PostgresMigration.Run(dataDir, connection, output);
                using (var moved = Data.Database.Postgres(connection))
                {
                    var audit = Audit.AuditLog.For(dataDir, moved, TimeProvider.System);
                    if (audit.Verify(out var entries) is { } broken)
                    {
                        error.WriteLine($"{ProgramName}: the moved audit trail is broken at entry {broken}");
                        return 1;
                    }

                    audit.Append("host:admin-command", "data.migrate-to-postgres", null, detail: $"from {dataDir}");
                    output.WriteLine($"audit chain verified: {entries.Count} entries");
                }

                output.WriteLine($"Done. Start every replica with RM_DATABASE_URL and RM_SECRET_KEY_FILE={Path.Join(dataDir, Data.SecretKey.FileName)} " +
                                      "(copy that key to where the replicas can read it); keep the data directory as the backup of the old installation.");
                return 0;
            }
            catch (Configuration.StartupRefusedException e)
            {
                error.WriteLine($"{ProgramName}: {e.Message}");
                return 1;
            }
            catch (Npgsql.NpgsqlException e)
            {
                error.WriteLine($"{ProgramName}: PostgreSQL refused the migration, nothing was moved: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
