using System.CommandLine;
using RestikManager.Contracts;

namespace RestikManager.Agent;

/// <summary>The agent's command line: <c>--version</c> and, as they land, its subcommands.</summary>
internal static class AgentCommandLine
{
    public const string ProgramName = "restic-manager-agent";

    public static RootCommand Create()
    {
        var root = new RootCommand("restic-manager agent: connects this host to a restic-manager server and runs its backups.");
        ReplaceVersionOption(root);
        return root;
    }

    private static void ReplaceVersionOption(RootCommand root)
    {
        var builtIn = root.Options.OfType<VersionOption>().SingleOrDefault();
        if (builtIn is not null)
        {
            root.Options.Remove(builtIn);
        }

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
    }
}
