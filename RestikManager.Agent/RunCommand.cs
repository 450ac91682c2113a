using RestikManager.Agent.Browse;
using RestikManager.Agent.Config;
using RestikManager.Agent.Connection;
using RestikManager.Agent.Jobs;
using RestikManager.Agent.Schedule;
using RestikManager.Agent.State;
using RestikManager.Contracts;
using RestikManager.ServiceDefaults.Telemetry;

namespace RestikManager.Agent;

/// <summary><c>run</c>: the service. Stays connected to the server until SIGINT/SIGTERM (or service stop).</summary>
internal static partial class RunCommand
{
    public static async Task<int> RunAsync(string configPath, string restic, string stateDir, TimeSpan lockWait, CancellationToken cancellationToken)
    {
        using var telemetry = ServiceTelemetry.Start(AgentCommandLine.ProgramName, TelemetryNames.Agent);
        using var loggers = LoggerFactory.Create(b => b.AddServiceLogging(AgentCommandLine.ProgramName));
        var logger = loggers.CreateLogger("restic-manager-agent");
        AgentConfig config;
        try
        {
            config = AgentConfigFile.Load(configPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            Console.Error.WriteLine($"{AgentCommandLine.ProgramName}: not enrolled: {configPath} does not exist; run '{AgentCommandLine.ProgramName} enroll --server URL --token T' first");
            return 1;
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"{AgentCommandLine.ProgramName}: {e.Message}");
            return 1;
        }

        var build = BuildInfo.Current;
        LogStarting(logger, build.Version, build.Commit, build.Date, config.Hostname, config.Server);
        AgentState state;
        try
        {
            state = new AgentState(stateDir, config.Credential);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"{AgentCommandLine.ProgramName}: cannot use the state directory {stateDir}: {e.Message}");
            return 1;
        }

        var time = TimeProvider.System;
        var runner = new JobRunner(restic, state.CacheDir, lockWait, time, logger);
        using var indexes = new SnapshotIndexer(restic, state.CacheDir, state.IndexDir, logger);
        var jobs = new JobHost(state, runner, new QueryRunner(restic, state.CacheDir, indexes), indexes, config.Hostname, time, logger);
        await jobs.RecoverAsync();
        var plans = new PlanScheduler(state, jobs, time, logger);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var schedule = plans.RunAsync(stopping.Token);
        var loop = new ReconnectLoop(config, ct => HostFacts.HelloAsync(config.Hostname, restic, ct), new AgentWork(jobs, plans), Backoff.Default(), time, logger);
        await loop.RunAsync(cancellationToken);
        await stopping.CancelAsync();
        await jobs.StopAsync();
        await schedule;
        LogStopped(logger);
        return 0;
    }

    [LoggerMessage(1, LogLevel.Information, "restic-manager-agent {Version} (commit {Commit}, built {BuildDate}) starting as {Hostname} for {Server}")]
    private static partial void LogStarting(ILogger logger, string version, string commit, string buildDate, string hostname, string server);

    [LoggerMessage(6, LogLevel.Information, "Stopped")]
    private static partial void LogStopped(ILogger logger);
}
