using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using RestikManager.Agent.Config;
using RestikManager.Agent.Enrollment;
using RestikManager.Agent.State;
using RestikManager.Contracts;

namespace RestikManager.Agent;

/// <summary>The agent's command line: <c>--version</c>, <c>enroll</c>, <c>run</c>.</summary>
internal static class AgentCommandLine
{
    public const string ProgramName = "restic-manager-agent";

    public static RootCommand Create()
    {
        var root = new RootCommand("restic-manager agent: connects this host to a restic-manager server and runs its backups.");
        root.Options.Remove(root.Options.OfType<VersionOption>().Single());
        var version = new Option<bool>("--version") { Description = "Print version, commit and build date, then exit." };
        root.Options.Add(version);
        root.SetAction(result =>
        {
            if (result.GetValue(version))
            {
                Console.Out.WriteLine(BuildInfo.Current.Describe(ProgramName));
                return 0;
            }

            Console.Error.WriteLine($"{ProgramName}: no command given; see --help.");
            return 2;
        });

        var config = new Option<string>("--config") { Description = "The agent's config file.", DefaultValueFactory = _ => AgentConfigFile.DefaultPath };
        var server = new Option<string>("--server") { Description = "The server's URL, e.g. https://backup.example.org.", Required = true };
        var token = new Option<string>("--token") { Description = "A single-use enrollment token from the server.", Required = true };
        var force = new Option<bool>("--force") { Description = "Enroll again although this host is enrolled (replaces its credential)." };
        var hostname = new Option<string>("--hostname") { Description = "Name this host is known by on the server.", DefaultValueFactory = _ => Environment.MachineName };
        var enroll = new Command("enroll", "Trade an enrollment token for this agent's credential.") { server, token, config, force, hostname };
        enroll.SetAction((result, ct) => EnrollCommand.RunAsync(result.GetValue(server)!, result.GetValue(token)!, result.GetValue(config)!, result.GetValue(force), result.GetValue(hostname)!, ct));
        root.Subcommands.Add(enroll);

        var restic = new Option<string?>("--restic")
        {
            Description = "The restic executable. Without it: the one the server provides, else the one on PATH.",
        };
        var stateDir = new Option<string>("--state-dir") { Description = "Where the agent keeps its outbox, schedule and restic cache.", DefaultValueFactory = _ => AgentState.DefaultRoot };
        var lockWait = new Option<int>("--lock-wait")
        {
            Description = "Seconds a job waits for a repository locked by someone else before it fails (0 to 86400).",
            DefaultValueFactory = _ => 300,
            CustomParser = LockWait,
        };
        var trial = new Option<bool>("--trial")
        {
            Description = "Connect once and exit: 0 when the server welcomed this agent (what a self-update runs before it installs a new agent).",
        };
        var hooksDir = new Option<string?>("--hooks-dir")
        {
            Description = "The host's allowlist of hooks and database sources (default /etc/restic-manager/hooks.d, or the config's hooksDir).",
        };
        var service = new Option<bool>("--service") { Description = "Run as a Windows service (the command line install.ps1 registers)." };
        var run = new Command("run", "Run the agent: stay connected to the server and do its work.") { config, restic, stateDir, lockWait, trial, service, hooksDir };
        run.SetAction((result, ct) =>
        {
            Func<CancellationToken, Task<int>> agent = token => RunCommand.RunAsync(result.GetValue(config)!, result.GetValue(restic),
                result.GetValue(stateDir)!, TimeSpan.FromSeconds(result.GetValue(lockWait)), result.GetValue(hooksDir), token);
            return result.GetValue(trial) ? RunCommand.TrialAsync(result.GetValue(config)!, result.GetValue(restic), result.GetValue(stateDir)!, ct)
                : result.GetValue(service) ? RunCommand.AsServiceAsync(agent)
                : agent(ct);
        });
        root.Subcommands.Add(run);
        return root;
    }

    // A parser, not a validator: a validator reads the value, which throws when the text is not a number at all.
    private static int LockWait(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
        {
            result.AddError($"--lock-wait must be a whole number of seconds between 0 and 86400, not '{text}'.");
        }
        else if (seconds is < 0 or > 86400)
        {
            result.AddError("--lock-wait must be between 0 and 86400 seconds.");
        }

        return seconds;
    }
}
