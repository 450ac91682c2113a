using RestikManager.Agent.Browse;
using RestikManager.Agent.Config;
using RestikManager.Agent.Databases;
using RestikManager.Agent.Drills;
using RestikManager.Agent.Hooks;
using RestikManager.Agent.Connection;
using RestikManager.Agent.Jobs;
using RestikManager.Agent.Queries;
using RestikManager.Agent.Restic;
using RestikManager.Agent.Service;
using RestikManager.Agent.Schedule;
using RestikManager.Agent.State;
using RestikManager.Agent.Updates;
using RestikManager.Contracts;
using RestikManager.ServiceDefaults.Telemetry;

namespace RestikManager.Agent;

/// <summary><c>run</c>: the service. Stays connected to the server until SIGINT/SIGTERM (or service stop).</summary>
internal static partial class RunCommand
{
    public static async Task<int> RunAsync(
        string configPath, string? restic, string stateDir, TimeSpan lockWait, string? hooksDir, CancellationToken cancellationToken)
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
        var resticLocator = new ResticLocator(restic, state.Root, logger);
        var resticRunner = new ResticRunner(resticLocator, state.CacheDir, lockWait, time, logger);
        using var indexes = new SnapshotIndexer(resticRunner, state.IndexDir, logger);
        var allowlist = new Allowlist(hooksDir ?? config.HooksDir ?? Allowlist.DefaultDirectory);
        var watch = new AllowlistWatch(allowlist, AllowlistWatch.DefaultEvery, time);
        var runner = new JobRunner(resticRunner, new DrillRunner(resticRunner, state.DrillsDir, logger),
            new HookedBackup(allowlist, new DumpRunner(resticRunner, state.DumpsDir, time), time),
            new DumpRestore(resticRunner, allowlist),
            new RestoreGuard([allowlist.Directory, configPath, state.Root]), time, logger);
        DumpRunner.RemoveLeftovers(state.DumpsDir);
        var jobs = new JobHost(state, runner, resticRunner, indexes, config.Hostname, time, logger);
        await jobs.RecoverAsync();
        var plans = new PlanScheduler(state, jobs, time, logger);
        var updates = new SelfUpdater(config, state, jobs, time, logger);
        using var shutdown = new StopSignals(logger, cancellationToken);
        using var scheduleStop = CancellationTokenSource.CreateLinkedTokenSource(shutdown.Token);
        var schedule = plans.RunAsync(scheduleStop.Token);
        var systemd = new Systemd();
        systemd.Ready();
        var watchdog = systemd.WatchdogAsync(time, scheduleStop.Token);
        _ = shutdown.Stopped.ContinueWith(_ => systemd.Stopping(), TaskScheduler.Default);
        var work = new AgentWork(jobs, plans, new QueryRunner(resticRunner, indexes), updates);
        var reconnect = new ReconnectLoop(config, async ct =>
        {
            await resticLocator.RefreshAsync(config.Server, HostFacts.Os, HostFacts.Arch, ct);
            return await HostFacts.HelloAsync(config.Hostname, resticLocator, state.LastUpdateFailure(), ct) with { Allowlist = watch.Report() };
        }, work, Backoff.Default(), time, logger, watch.ChangedAsync);
        string[] trial = ["run", "--trial", "--config", configPath, "--state-dir", stateDir, .. restic is null ? Array.Empty<string>() : ["--restic", restic]];
        var staged = updates.NextAsync(shutdown.Token);
        while (true)
        {
            using var connection = new CancellationTokenSource();
            var loop = reconnect.RunAsync(connection.Token);
            if (await Task.WhenAny(loop, shutdown.Stopped, staged) != staged || !staged.IsCompletedSuccessfully)
            {
                await StopAsync(jobs, schedule, connection, loop, logger);
                await watchdog;
                return 0;
            }

            // An update is downloaded, verified and the agent idle: the connection closes for the candidate's trial.
            await connection.CancelAsync();
            await loop;
            if (await updates.InstallAsync(staged.Result, trial, shutdown.Token))
            {
                await scheduleStop.CancelAsync();
                await schedule;
                await watchdog;
                Reexec.Requested = staged.Result.Executable.Path;
                LogStopped(logger);
                return 0;
            }

            staged = updates.NextAsync(shutdown.Token);
        }
    }

    /// <summary>
    /// Stops in the order that loses nothing: no new runs; restic SIGINTed, waited for and unlocked; the interrupted
    /// results sent while the connection is still up (and kept in the outbox if it is not); then the connection.
    /// </summary>
    private static async Task StopAsync(JobHost jobs, Task schedule, CancellationTokenSource connection, Task loop, ILogger logger)
    {
        await schedule;
        var stopped = jobs.StopAsync();
        if (await Task.WhenAny(stopped, Task.Delay(StopBound, TimeProvider.System, CancellationToken.None)) != stopped)
        {
            LogStopSlow(logger, StopBound.TotalSeconds);
        }

        await jobs.WaitForAcknowledgementsAsync(TimeSpan.FromSeconds(5));
        await connection.CancelAsync();
        await loop;
        LogStopped(logger);
    }

    /// <summary>
    /// <c>run --service</c>: under the Windows service control manager, which stops the run through its token. An installed
    /// update ends the run with <see cref="Reexec.RestartExitCode"/>, which the service's recovery action turns into a start.
    /// </summary>
    public static Task<int> AsServiceAsync(Func<CancellationToken, Task<int>> run)
    {
        if (!OperatingSystem.IsWindows())
        {
            Console.Error.WriteLine($"{AgentCommandLine.ProgramName}: --service is for Windows; on Linux systemd runs 'run' (Type=notify, see the unit install.sh installs)");
            return Task.FromResult(2);
        }

        using var service = new WindowsAgentService(async token =>
        {
            var code = await run(token);
            return Reexec.Requested is not null ? Reexec.RestartExitCode : code;
        });
        System.ServiceProcess.ServiceBase.Run(service);
        // The updated binary is started by the service manager, not by this process.
        Reexec.Requested = null;
        return Task.FromResult(service.ExitCode);
    }

    /// <summary><c>run --trial</c>: one connection, ended by the server's welcome (exit 0) or anything else (exit 1).</summary>
    public static async Task<int> TrialAsync(string configPath, string? restic, string stateDir, CancellationToken cancellationToken)
    {
        using var loggers = LoggerFactory.Create(b => b.AddServiceLogging(AgentCommandLine.ProgramName));
        var logger = loggers.CreateLogger("restic-manager-agent");
        AgentConfig config;
        try
        {
            config = AgentConfigFile.Load(configPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            Console.Error.WriteLine($"{AgentCommandLine.ProgramName}: {e.Message}");
            return 1;
        }

        // The restic the agent would run, as it is (a trial downloads nothing).
        var hello = await HostFacts.HelloAsync(config.Hostname, new ResticLocator(restic, stateDir, logger), null, cancellationToken);
        var outcome = await new ServerSession(config, hello, null, TimeProvider.System, logger).RunAsync(cancellationToken);
        if (!outcome.Welcomed)
        {
            Console.Error.WriteLine($"{AgentCommandLine.ProgramName}: trial: {outcome.Reason}");
        }

        return outcome.Welcomed ? 0 : 1;
    }

    /// <summary>
    /// How long the agent waits for its jobs to stop: restic's SIGINT grace, the kill, and <c>restic unlock</c>, well inside
    /// systemd's <c>TimeoutStopSec=90</c> (the unit) so the agent, not systemd, ends them.
    /// </summary>
    public static readonly TimeSpan StopBound = TimeSpan.FromSeconds(60);

    [LoggerMessage(7, LogLevel.Warning, "Jobs did not stop within {Seconds:F0} s; their results are written at the next start")]
    private static partial void LogStopSlow(ILogger logger, double seconds);

    [LoggerMessage(1, LogLevel.Information, "restic-manager-agent {Version} (commit {Commit}, built {BuildDate}) starting as {Hostname} for {Server}")]
    private static partial void LogStarting(ILogger logger, string version, string commit, string buildDate, string hostname, string server);

    [LoggerMessage(6, LogLevel.Information, "Stopped")]
    private static partial void LogStopped(ILogger logger);
}
