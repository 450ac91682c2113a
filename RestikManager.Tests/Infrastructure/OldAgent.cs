namespace RestikManager.Tests.Infrastructure;

/// <summary>
/// A second publish of the linux-amd64 agent, stamped <see cref="Version"/>: the "A" that updates itself to the published
/// tree's agent ("B", <see cref="PublishedTree.Version"/>). Published once per test run, on first use, by the same
/// <c>deploy/publish.sh</c>; removed when the test process exits.
/// </summary>
internal static class OldAgent
{
    public const string Version = "9.8.6-old";
    private static readonly Lazy<Task<string>> Shared = new(PublishAsync);

    /// <summary>The path of the old agent's executable (read-only: copy it where it may replace itself).</summary>
    public static Task<string> ExecutableAsync() => Shared.Value;

    private static async Task<string> PublishAsync()
    {
        var dir = new TempDir("rm-old-agent");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => dir.Dispose();
        var (code, output) = await ChildProcess.RunAsync("bash",
            [RepoPaths.Of("deploy", "publish.sh"), "--out", dir.Path, "--targets", "linux-amd64", "--server", "none",
             "--version", Version, "--commit", "01dc0de", "--date", PublishedTree.Date],
            timeout: TimeSpan.FromMinutes(10));
        if (code != 0)
        {
            throw new InvalidOperationException($"deploy/publish.sh (old agent) failed ({code}):\n{output}");
        }

        return dir.Of("dist", "agent-binaries", "restic-manager-agent-linux-amd64");
    }
}
