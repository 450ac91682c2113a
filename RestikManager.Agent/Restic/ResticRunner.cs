using System.Text.Json;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Restic;

/// <summary>
/// The restic this agent runs (its executable and cache directory) and what every caller needs around a run: the
/// repository's environment, a lock held by someone else waited out for up to <paramref name="lockWait"/>, stale
/// locks removed, a short snapshot id made full.
/// </summary>
internal sealed partial class ResticRunner(ResticLocator restic, string cacheDir, TimeSpan lockWait, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan LockRetryEvery = TimeSpan.FromSeconds(10);

    /// <summary>One run of restic against <paramref name="repository"/>; JSON lines go to <paramref name="onJson"/>.</summary>
    public Task<ResticStep> RunAsync(
        IReadOnlyList<string> args, RepositoryAccess repository, Action<ResticLine>? onJson, CancellationToken stop) =>
        ResticStep.RunAsync(restic.Path, args, Environment(repository), cacheDir, onJson, stop);

    /// <summary>A run whose stdin is fed (<c>backup --stdin</c>) or whose stdout is taken as bytes (<c>dump</c>), see <see cref="ResticProcess.RunAsync"/>.</summary>
    public Task<ResticStep> RunPipedAsync(
        IReadOnlyList<string> args, RepositoryAccess repository, Action<ResticLine>? onJson, CancellationToken stop,
        Func<Stream, Task<bool>>? stdin = null, Func<Stream, Task>? rawStdout = null) =>
        ResticStep.RunAsync(restic.Path, args, Environment(repository), cacheDir, onJson, stop, stdin, rawStdout);

    /// <summary>Like <see cref="RunAsync"/>, but a repository locked by another restic is tried again every 10 s until the lock wait is over.</summary>
    public async Task<ResticStep> RunWaitingOutLocksAsync(
        IReadOnlyList<string> args, RepositoryAccess repository, Action<ResticLine>? onJson, CancellationToken stop)
    {
        var giveUpAt = time.GetUtcNow() + lockWait;
        while (true)
        {
            var step = await RunAsync(args, repository, onJson, stop);
            if (step.Cancelled || step.ExitCode is 0 or 3 || step.ErrorClass != JobErrors.Locked
                || time.GetUtcNow() + LockRetryEvery > giveUpAt)
            {
                return step;
            }

            LogLocked(logger, args[0], LockRetryEvery.TotalSeconds);
            try
            {
                await Task.Delay(LockRetryEvery, time, stop);
            }
            catch (OperationCanceledException)
            {
                return step;
            }
        }
    }

    /// <summary>Removes stale locks (a dead restic of this host); restic never removes a live one.</summary>
    public async Task UnlockAsync(RepositoryAccess repository)
    {
        var unlock = await RunAsync(["unlock"], repository, null, CancellationToken.None);
        LogUnlocked(logger, unlock.ExitCode);
    }

    /// <summary>The full id of a snapshot restic named by its short id (restic 0.14 reports 8 hex digits).</summary>
    public async Task<string> FullSnapshotIdAsync(RepositoryAccess repository, string shortId, CancellationToken stop)
    {
        if (shortId.Length >= 64)
        {
            return shortId;
        }

        if (LocalSnapshotId(repository.Url, shortId) is { } local)
        {
            return local;
        }

        string? full = null;
        await RunAsync(ResticArguments.Snapshots(shortId), repository, line =>
        {
            if (line.Kind == "array")
            {
                full = JsonSerializer.Deserialize(line.Message!, ResticJsonContext.Default.ListResticSnapshot)?.FirstOrDefault()?.Id;
            }
        }, stop);
        return full ?? shortId;
    }

    /// <summary>restic's environment for <paramref name="repository"/>: its secrets and <c>RESTIC_REPOSITORY</c>.</summary>
    public static Dictionary<string, string> Environment(RepositoryAccess repository)
    {
        var env = repository.Environment.ToDictionary(StringComparer.Ordinal);
        env["RESTIC_REPOSITORY"] = repository.Url;
        return env;
    }

    /// <summary>
    /// In a local repository a snapshot's file is named by its full id (restic's repository format), so it is found
    /// without a second restic run (which costs a key derivation).
    /// </summary>
    public static string? LocalSnapshotId(string repositoryUrl, string shortId)
    {
        var path = repositoryUrl.StartsWith("local:", StringComparison.Ordinal) ? repositoryUrl["local:".Length..] : repositoryUrl;
        if (!Path.IsPathFullyQualified(path) || !WireValues.IsSnapshotId(shortId))
        {
            return null;
        }

        try
        {
            var matches = Directory.GetFiles(Path.Join(path, "snapshots"), shortId + "*").Select(Path.GetFileName).ToList();
            return matches is [{ Length: 64 } id] && id.All(char.IsAsciiHexDigitLower) ? id : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [LoggerMessage(31, LogLevel.Warning, "Repository locked during {Command}; trying again in {Seconds} s")]
    private static partial void LogLocked(ILogger logger, string command, double seconds);

    [LoggerMessage(32, LogLevel.Information, "restic unlock exited with {ExitCode}")]
    private static partial void LogUnlocked(ILogger logger, int exitCode);
}
