using RestikManager.Server.Hosting;

var configuration = new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false };
return await ServerCommandLine.Create().Parse(args).InvokeAsync(configuration);

/// <summary>The entry point's type, named for the test host (<c>WebApplicationFactory&lt;Program&gt;</c>).</summary>
public partial class Program;
