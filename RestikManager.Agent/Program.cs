namespace RestikManager.Agent;

internal static class Program
{
    // No termination handler of System.CommandLine's: it would exit 130/143 two seconds after a signal, before the agent
    // has stopped restic. `run` handles SIGINT/SIGTERM itself (RunCommand); the other commands end on the default action.
    public static async Task<int> Main(string[] args)
    {
        var code = await AgentCommandLine.Create().Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { ProcessTerminationTimeout = null });
        // An update is in place and everything of this run is disposed (logs flushed, sockets closed): start it.
        return Updates.Reexec.Requested is { } updated ? Updates.Reexec.Run(updated, args) : code;
    }
}
