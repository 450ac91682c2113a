using System.CommandLine;
using RestikManager.AppHost;

var port = new Option<int>("--port") { Description = "Port for the server (0 picks a free one).", DefaultValueFactory = _ => 0 };
var hosts = new Option<int>("--hosts") { Description = "How many simulated hosts (real agent processes) to start.", DefaultValueFactory = _ => 3 };
var dataDir = new Option<string?>("--data-dir") { Description = "Keep the stack's state (server data, host homes) here instead of a temporary directory removed at exit." };
var root = new RootCommand("restic-manager development stack: publishes with deploy/publish.sh, runs the server and simulated hosts.") { port, hosts, dataDir };
root.Validators.Add(result =>
{
    if (result.GetValue(hosts) is < 0 or > 50)
    {
        result.AddError("--hosts must be from 0 to 50");
    }

    if (result.GetValue(port) is < 0 or > 65535)
    {
        result.AddError("--port must be from 0 to 65535");
    }
});
root.SetAction((result, cancellationToken) => DevStack.RunAsync(
    new DevStackOptions(result.GetValue(port), result.GetValue(hosts), result.GetValue(dataDir)), cancellationToken));
return await root.Parse(args).InvokeAsync();
