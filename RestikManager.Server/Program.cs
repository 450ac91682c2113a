using RestikManager.Server.Hosting;

// No termination handler of System.CommandLine's (it would end the process 2 s after SIGTERM, in the middle of the
// host's graceful stop): the web host handles SIGINT/SIGTERM itself and returns when it has stopped.
var configuration = new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
// With no command the server runs: ServerHost.Build is the list of its features.
return await ServerCommandLine.Create(ServerHost.RunAsync).Parse(args).InvokeAsync(configuration);

/// <summary>The entry point's type, named for the test host (<c>WebApplicationFactory&lt;Program&gt;</c>).</summary>
public partial class Program;
