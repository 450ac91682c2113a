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
        return root;
    }
}
