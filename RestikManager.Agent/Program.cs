namespace RestikManager.Agent;

internal static class Program
{
    // No termination handler of System.CommandLine's: it would exit 130/143 two seconds after a signal, before the agent
    // has stopped restic. `run` handles SIGINT/SIGTERM itself (RunCommand); the other commands end on the default action.
    public static Task<int> Main(string[] args) =>
        AgentCommandLine.Create().Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { ProcessTerminationTimeout = null });
}
