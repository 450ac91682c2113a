using System.CommandLine;
using RestikManager.AppHost;

var port = new Option<int>("--port") { Description = "Port for the server (0 picks a free one).", DefaultValueFactory = _ => 0 };
var dataDir = new Option<string?>("--data-dir") { Description = "Keep the server's data here instead of a temporary directory that is removed at exit." };
var root = new RootCommand("restic-manager development stack: publishes with deploy/publish.sh and runs the server.") { port, dataDir };
root.SetAction((result, cancellationToken) => DevStack.RunAsync(new DevStackOptions(result.GetValue(port), result.GetValue(dataDir)), cancellationToken));
return await root.Parse(args).InvokeAsync();
