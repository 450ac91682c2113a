using RestikManager.Agent;

// No termination handler of System.CommandLine's: it would exit 130/143 two seconds after a signal, before the agent
// has stopped restic. `run` handles SIGINT/SIGTERM itself (RunCommand); the other commands end on the default action.
var configuration = new System.CommandLine.InvocationConfiguration { ProcessTerminationTimeout = null };
return await AgentCommandLine.Create().Parse(args).InvokeAsync(configuration);
