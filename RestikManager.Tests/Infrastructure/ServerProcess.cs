using System.Text.RegularExpressions;

namespace RestikManager.Tests.Infrastructure;

/// <summary>The published server executable running as a child process on a free loopback port.</summary>
internal sealed partial class ServerProcess : IDisposable
{
    private ServerProcess(ChildProcess process, Uri baseUrl)
    {
        Process = process;
        BaseUrl = baseUrl;
        Http = new HttpClient { BaseAddress = baseUrl };
    }

    public ChildProcess Process { get; }

    public Uri BaseUrl { get; }

    public HttpClient Http { get; }

    /// <summary>Starts <paramref name="executable"/> with <paramref name="env"/> (RM_LISTEN defaults to 127.0.0.1:0) and waits until it listens.</summary>
    public static async Task<ServerProcess> StartAsync(string executable, Dictionary<string, string?> env)
    {
        env.TryAdd("RM_LISTEN", "127.0.0.1:0");
        var process = ChildProcess.Start(executable, [], env);
        try
        {
            var match = await process.WaitForLineAsync(ListeningLine(), TimeSpan.FromSeconds(30));
            return new ServerProcess(process, new Uri(match.Groups["url"].Value));
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Http.Dispose();
        Process.Dispose();
    }

    [GeneratedRegex(@"Listening on (?<url>https?://\S+?)(,|$)")]
    private static partial Regex ListeningLine();
}
