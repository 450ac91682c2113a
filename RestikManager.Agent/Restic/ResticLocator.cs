using System.Net;
using System.Net.Http.Headers;
using RestikManager.Agent.Connection;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Restic;

/// <summary>
/// Which restic the agent runs, in this order: the path given with <c>--restic</c>; the one the server provides
/// (<c>/restic/binary</c>, kept in <c>&lt;state&gt;/restic/</c>); the host's own, found on PATH. The server's is looked at
/// again before every connection (a conditional GET: when unchanged the server answers 304) and replaced when the
/// server's changes; a download is used only when its SHA-256 is the one the server announced and it runs as restic.
/// </summary>
internal sealed partial class ResticLocator
{
    /// <summary>Larger than any restic release (about 30 MB); a larger download is refused.</summary>
    private const long MaxBytes = 256L * 1024 * 1024;

    private readonly string? _configured;
    private readonly string _dir;
    private readonly string _served;
    private readonly string _digestFile;
    private readonly ILogger _logger;

    public ResticLocator(string? configured, string stateRoot, ILogger logger)
    {
        _configured = string.IsNullOrWhiteSpace(configured) ? null : configured;
        _dir = System.IO.Path.Join(stateRoot, "restic");
        _served = System.IO.Path.Join(_dir, OperatingSystem.IsWindows() ? "restic.exe" : "restic");
        _digestFile = System.IO.Path.Join(_dir, "restic.sha256");
        _logger = logger;
    }

    /// <summary>The restic to run now.</summary>
    public string Path => _configured ?? (File.Exists(_served) ? _served : "restic");

    /// <summary>Where <see cref="Path"/> comes from (<see cref="ResticSources"/>).</summary>
    public string Source => _configured is not null ? ResticSources.Configured
        : File.Exists(_served) ? ResticSources.Server
        : ResticSources.Path;

    /// <summary>
    /// Fetches the server's restic for this platform when it differs from the one kept (nothing when a path is
    /// configured). A server that provides none, or cannot be reached, leaves everything as it was.
    /// </summary>
    public async Task RefreshAsync(string server, string os, string arch, CancellationToken cancellationToken)
    {
        if (_configured is not null)
        {
            return;
        }

        var url = $"{server.TrimEnd('/')}{AgentProtocol.ResticBinaryPath}?os={os}&arch={arch}";
        var known = File.Exists(_served) && File.Exists(_digestFile) ? File.ReadAllText(_digestFile).Trim() : null;
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15) }) { Timeout = TimeSpan.FromMinutes(10) };
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (known is not null)
            {
                request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{known}\""));
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.StatusCode is HttpStatusCode.NotModified or HttpStatusCode.NotFound)
            {
                return;
            }

            if (!response.IsSuccessStatusCode)
            {
                LogRefused(_logger, url, $"the server answered {(int)response.StatusCode}");
                return;
            }

            if (await DownloadAsync(response, cancellationToken) is { } problem)
            {
                LogRefused(_logger, url, problem);
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException or UnauthorizedAccessException
                                      or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // A download cut short leaves nothing behind; what was kept stays in use.
            if (File.Exists(_served + ".new"))
            {
                File.Delete(_served + ".new");
            }

            LogUnreachable(_logger, url, e.Message);
        }
    }

    // Into restic.new beside the kept one; only a download whose digest matches and that runs as restic replaces it.
    private async Task<string?> DownloadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var announced = response.Headers.TryGetValues(AgentProtocol.ChecksumHeader, out var values) ? values.FirstOrDefault()?.Trim() : null;
        if (announced is not { Length: 64 })
        {
            return $"the server sent no {AgentProtocol.ChecksumHeader} header; an unverified restic is not used";
        }

        Directory.CreateDirectory(_dir);
        var candidate = _served + ".new";
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var (sha, size) = await HashedCopy.ToFileAsync(body, candidate, MaxBytes, cancellationToken);
        if (size > MaxBytes || !string.Equals(sha, announced, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(candidate);
            return size > MaxBytes ? $"the download is larger than {MaxBytes} bytes" : $"the download's SHA-256 {sha} is not the announced {announced}";
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(candidate, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        if (await ResticVersion.DetectAsync(candidate, cancellationToken) is not { } version)
        {
            File.Delete(candidate);
            return "the download does not run as restic on this host ('restic version' failed)";
        }

        // On Windows a restic that is running cannot be replaced: the move fails, and the next connection tries again.
        File.Move(candidate, _served, overwrite: true);
        await File.WriteAllTextAsync(_digestFile, sha + "\n", cancellationToken);
        LogInstalled(_logger, version, sha, _served);
        return null;
    }

    [LoggerMessage(90, LogLevel.Information, "Using restic {Version} from the server (SHA-256 {Sha256}), kept at {Path}")]
    private static partial void LogInstalled(ILogger logger, string version, string sha256, string path);

    [LoggerMessage(91, LogLevel.Warning, "The server's restic ({Url}) was not taken: {Reason}; the restic used so far stays")]
    private static partial void LogRefused(ILogger logger, string url, string reason);

    [LoggerMessage(92, LogLevel.Debug, "Cannot look at the server's restic ({Url}): {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string url, string reason);
}
