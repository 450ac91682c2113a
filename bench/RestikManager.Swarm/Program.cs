using System.CommandLine;
using RestikManager.Swarm;

var server = new Option<string>("--server") { Required = true, Description = "Server URL; several, comma-separated, for replicas: agent i starts on the (i mod n)th and moves to the next when a session fails." };
var credentialsFile = new Option<string?>("--credentials") { Description = "A file of the agents' credentials: read when it exists (no enrollment), written after enrolling otherwise." };
var first = new Option<int>("--first") { DefaultValueFactory = _ => 0, Description = "The first agent's number (swarm-NNNNN), so that two swarms make different hosts." };
var agents = new Option<int>("--agents") { DefaultValueFactory = _ => 1000, Description = "How many simulated agents." };
var password = new Option<string>("--admin-password") { Required = true, Description = "Password of 'admin' (to create enrollment tokens)." };
var mode = new Option<string>("--mode") { DefaultValueFactory = _ => "hold", Description = "enroll: enroll (into --credentials) and exit; hold: report once all are online and exit; storm: then wait for a server restart and report the recovery; progress: run a plan over the swarm and time its progress from agent to job page." };
var hold = new Option<int>("--hold-seconds") { DefaultValueFactory = _ => 10, Description = "hold: how long to keep all connections after all are online." };
var timeout = new Option<int>("--timeout-seconds") { DefaultValueFactory = _ => 300, Description = "Give up after this long." };
var root = new RootCommand("Many protocol-level restic-manager agents in one process, for the fleet benchmarks.")
{
    server, agents, password, mode, hold, timeout, first, credentialsFile,
};
root.SetAction((r, ct) => Swarm.RunAsync(new SwarmOptions(
    [.. r.GetValue(server)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => new Uri(u))], r.GetValue(agents), r.GetValue(password)!, r.GetValue(mode)!,
    TimeSpan.FromSeconds(r.GetValue(hold)), TimeSpan.FromSeconds(r.GetValue(timeout))) { First = r.GetValue(first), CredentialsFile = r.GetValue(credentialsFile) }, ct));
return await root.Parse(args).InvokeAsync();
