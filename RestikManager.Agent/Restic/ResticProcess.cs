using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RestikManager.Agent.Restic;

/// <summary>
/// One run of restic. Secrets go only into the child's environment; arguments never hold one. stdin is closed
/// (restic would otherwise wait there for a password), stdout and stderr are read at the same time line by line.
/// Cancelling sends SIGINT (restic then removes its lock and exits 130) and kills after <see cref="Grace"/>.
/// </summary>
internal sealed partial class ResticProcess
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(15);

    /// <summary>What a run left: its exit code and whether it had to be cancelled or killed.</summary>
    public sealed record Outcome(int ExitCode, bool Cancelled, bool Killed);

    public static ProcessStartInfo StartInfo(string restic, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string? cacheDir)
    {
        var info = new ProcessStartInfo(restic)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Nothing restic-related leaks in from the agent's own environment; only what the job says goes in.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("RESTIC_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        info.Environment["RESTIC_PROGRESS_FPS"] = "1";
        if (cacheDir is not null)
        {
            info.Environment["RESTIC_CACHE_DIR"] = cacheDir;
        }

        return info;
    }

    /// <summary>
    /// Runs restic to its end, handing each line to <paramref name="onStdout"/> / <paramref name="onStderr"/>.
    /// <paramref name="stdin"/>, when given, feeds restic's stdin (<c>backup --stdin</c>) and says whether what it fed is
    /// whole: true closes stdin (restic then saves its snapshot), false interrupts restic first, so that nothing it read is
    /// kept. <paramref name="rawStdout"/>, when given, takes restic's stdout as bytes (<c>restic dump</c>) instead of lines.
    /// </summary>
    public static async Task<Outcome> RunAsync(
        ProcessStartInfo info, Action<string> onStdout, Action<string> onStderr, CancellationToken cancellationToken,
        Func<Stream, Task<bool>>? stdin = null, Func<Stream, Task>? rawStdout = null)
    {
        using var process = new Process { StartInfo = info };
        process.Start();
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task feeding = Task.CompletedTask;
        if (stdin is null)
        {
            process.StandardInput.Close();
        }
        else
        {
            feeding = FeedAsync(process, stdin, abandon);
        }

        var stdout = rawStdout is null ? PumpAsync(process.StandardOutput, onStdout) : rawStdout(process.StandardOutput.BaseStream);
        var stderr = PumpAsync(process.StandardError, onStderr);
        var cancelled = false;
        var killed = false;
        try
        {
            await process.WaitForExitAsync(abandon.Token);
        }
        catch (OperationCanceledException)
        {
            cancelled = true;
            Interrupt(process);
            using var grace = new CancellationTokenSource(Grace);
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                killed = true;
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        await Task.WhenAll(stdout, stderr);
        // What fed stdin (a dump) has ended too when restic has: a caller reads its outcome.
        await feeding;
        return new Outcome(process.ExitCode, cancelled, killed);
    }

    /// <summary>Lines as restic means them: a progress redraw's leading CR and ESC[2K are dropped.</summary>
    public static string Clean(string line)
    {
        var start = 0;
        while (true)
        {
            if (line.AsSpan(start).StartsWith("\r"))
            {
                start++;
            }
            else if (line.AsSpan(start).StartsWith("\u001b[2K"))
            {
                start += 4;
            }
            else
            {
                return start == 0 ? line : line[start..];
            }
        }
    }

    // The feed's verdict decides how restic's stdin ends: closed (a whole input) or never (restic is interrupted instead).
    private static async Task FeedAsync(Process process, Func<Stream, Task<bool>> feed, CancellationTokenSource abandon)
    {
        bool whole;
        try
        {
            whole = await feed(process.StandardInput.BaseStream);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            whole = false;
        }

        if (whole)
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // restic is gone already; its exit code says why.
            }
        }
        else
        {
            await abandon.CancelAsync();
        }
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            onLine(Clean(line));
        }
    }

    private static void Interrupt(Process process)
    {
        if (OperatingSystem.IsWindows())
        {
            // Windows has no SIGINT for a console-less child: kill it; the caller unlocks afterwards.
            process.Kill(entireProcessTree: true);
            return;
        }

        _ = Kill(process.Id, 2);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
