namespace RestikManager.Server.Hosting;

internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Information, "restic-manager-server {Version} (commit {Commit}, built {BuildDate}) starting; data directory {DataDir}, bundled assets {BundledDir}")]
    public static partial void Starting(ILogger logger, string version, string commit, string buildDate, string dataDir, string bundledDir);

    [LoggerMessage(2, LogLevel.Information, "Listening on {Addresses}")]
    public static partial void Listening(ILogger logger, string addresses);

    [LoggerMessage(3, LogLevel.Warning, "Bundled assets directory {BundledDir} does not exist: agents and install scripts are served only from the data directory")]
    public static partial void BundledMissing(ILogger logger, string bundledDir);

    [LoggerMessage(4, LogLevel.Information, "Stopped")]
    public static partial void Stopped(ILogger logger);
}
