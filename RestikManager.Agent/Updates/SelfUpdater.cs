using System.Diagnostics;
using System.Threading.Channels;
using RestikManager.Agent.Config;
using RestikManager.Agent.Connection;
using RestikManager.Agent.Jobs;
using RestikManager.Agent.State;
using RestikManager.Contracts;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Updates;

/// <summary>A downloaded agent whose bytes matched what the server announced, waiting to be tried.</summary>
internal sealed record StagedUpdate(UpdateAgent Offer, AgentExecutable Executable);

/// <summary>
/// Replaces the agent with the one the server offers, safely: only when no job runs (jobs that arrive meanwhile wait
/// in the state directory), only bytes whose SHA-256 the server announced, and only a binary that has proved it starts
/// and is welcomed by the server (a trial run, <c>run --trial</c>) before it takes the old one's place. Anything that
/// fails leaves the old agent running and is told to the server in every hello until the next offer.
/// </summary>
internal sealed partial class SelfUpdater(AgentConfig config, AgentState state, JobHost jobs, TimeProvider time, ILogger logger)
{
    /// <summary>How long a trial run may take to be welcomed before the candidate is refused.</summary>
    public static readonly TimeSpan TrialDeadline = TimeSpan.FromSeconds(60);

    private readonly Channel<UpdateAgent> _offers = Channel.CreateBounded<UpdateAgent>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });

    private Func<AgentMessage, bool>? _send;

    /// <summary>A connection was welcomed: failures are told on it at once (as well as in every hello).</summary>
    public void Connected(Func<AgentMessage, bool> send) => _send = send;

    public void Disconnected() => _send = null;

    /// <summary>From the connection: the newest offer replaces one not yet acted on.</summary>
    public void Offer(UpdateAgent offer) => _offers.Writer.TryWrite(offer);

    /// <summary>
    /// Waits for an offer of another version, then until the agent is idle (and holds it), then downloads and
    /// verifies it. Offers that cannot be acted on are recorded as failed and the wait goes on.
    /// </summary>
    public async Task<StagedUpdate> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var offer = await _offers.Reader.ReadAsync(cancellationToken);
            if (offer.Version == BuildInfo.Current.Version)
            {
                continue;
            }

            state.SaveUpdateFailure(null);
            if (AgentExecutable.Current(out var reason) is not { } executable)
            {
                Fail(offer, reason!);
                continue;
            }

            LogOffered(logger, offer.Version);
            var waited = false;
            while (!jobs.TryHold())
            {
                if (!waited)
                {
                    LogWaiting(logger, offer.Version);
                    waited = true;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
            }

            if (await DownloadAsync(offer, executable, cancellationToken) is { } problem)
            {
                Fail(offer, problem);
                jobs.Release();
                continue;
            }

            return new StagedUpdate(offer, executable);
        }
    }

    /// <summary>
    /// The connection is closed: runs the candidate's trial and, when it was welcomed, puts it in place and returns true
    /// (the caller then starts it, see <see cref="Reexec"/>). Otherwise the candidate is removed, the failure recorded,
    /// held jobs released, and false returned.
    /// </summary>
    public async Task<bool> InstallAsync(StagedUpdate staged, IReadOnlyList<string> trialArguments, CancellationToken cancellationToken)
    {
        var (offer, executable) = staged;
        var problem = await TrialAsync(executable.Candidate, trialArguments, cancellationToken);
        if (problem is null)
        {
            try
            {
                executable.Replace();
                LogInstalled(logger, offer.Version, executable.Previous);
                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problem = $"cannot replace {executable.Path}: {e.Message}";
            }
        }

        File.Delete(executable.Candidate);
        Fail(offer, problem);
        jobs.Release();
        return false;
    }

    private async Task<string?> DownloadAsync(UpdateAgent offer, AgentExecutable executable, CancellationToken cancellationToken)
    {
        var url = $"{config.Server.TrimEnd('/')}/agent/binary?os={HostFacts.Os}&arch={HostFacts.Arch}";
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return $"GET {url} answered {(int)response.StatusCode}";
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var (sha, size) = await HashedCopy.ToFileAsync(body, executable.Candidate, offer.Size, cancellationToken);
            if (size != offer.Size || !string.Equals(sha, offer.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(executable.Candidate);
                return size != offer.Size
                    ? $"the download is {(size > offer.Size ? "larger than" : $"{size} bytes, not")} the announced {offer.Size} bytes; refused"
                    : $"the download's SHA-256 {sha} is not the announced {offer.Sha256}; refused";
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(executable.Candidate, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            return null;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or UnauthorizedAccessException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            File.Delete(executable.Candidate);
            return $"cannot download {url}: {e.Message}";
        }
    }

    /// <summary>Runs <c>candidate run --trial …</c>: null when it was welcomed, else what went wrong.</summary>
    private static async Task<string?> TrialAsync(string candidate, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(candidate) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException)
        {
            return $"the new agent does not start: {e.Message}";
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TrialDeadline);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                return $"the new agent was not welcomed by the server within {TrialDeadline.TotalSeconds:F0} s";
            }

            if (process.ExitCode == 0)
            {
                return null;
            }

            var said = (await errors).Trim() is { Length: > 0 } e ? e : (await output).Trim();
            said = said.Length > 300 ? said[^300..] : said;
            return $"the new agent exited with status {process.ExitCode} in its trial run{(said.Length > 0 ? $": {said}" : "")}";
        }
    }

    private void Fail(UpdateAgent offer, string reason)
    {
        LogFailed(logger, offer.Version, reason);
        var failure = new UpdateFailure(offer.Version, reason.Length > 2000 ? reason[..2000] : reason, time.GetUtcNow());
        state.SaveUpdateFailure(failure);
        _send?.Invoke(new UpdateFailed(failure));
    }

    [LoggerMessage(60, LogLevel.Information, "The server offers agent {Version}")]
    private static partial void LogOffered(ILogger logger, string version);

    [LoggerMessage(61, LogLevel.Information, "The update to agent {Version} waits until the running jobs have ended")]
    private static partial void LogWaiting(ILogger logger, string version);

    [LoggerMessage(62, LogLevel.Information, "Agent {Version} passed its trial and is installed (the previous binary is kept as {Previous}); restarting")]
    private static partial void LogInstalled(ILogger logger, string version, string previous);

    [LoggerMessage(63, LogLevel.Warning, "The update to agent {Version} did not happen: {Reason}; this agent goes on")]
    private static partial void LogFailed(ILogger logger, string version, string reason);
}
