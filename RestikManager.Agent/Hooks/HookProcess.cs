using System.Diagnostics;

namespace RestikManager.Agent.Hooks;

/// <summary>
/// One run of an allowlisted command: its argv as the entry says (a shell only when it says so), as its user, in its folder,
/// with its environment and the job's facts (<c>RM_*</c>), never restic's. Killed with its whole process tree at its
/// timeout or when the job is stopped. stdout and stderr go to the output tail, unless stdout is the dump.
/// </summary>
internal static class HookProcess
{
    /// <summary>How a run ended: its exit code (null: killed, or never started), and whether its timeout killed it.</summary>
    public sealed record Outcome(int? ExitCode, bool TimedOut, bool Stopped, TimeSpan Duration, string? StartError = null)
    {
        public bool Succeeded => ExitCode == 0;
    }

    public static ProcessStartInfo StartInfo(IReadOnlyList<string> argv, AllowEntry entry, IReadOnlyDictionary<string, string> environment)
    {
        IEnumerable<string> command = entry.Shell
            ? OperatingSystem.IsWindows() ? ["cmd.exe", "/d", "/s", "/c", argv[0]] : ["/bin/sh", "-c", argv[0]]
            : argv;
        // A database entry's user is the database's; a command's is the account it runs as.
        if (entry is { User: { } user, IsCommand: true })
        {
            command = ["runuser", "-u", user, "--", .. command];
        }

        var list = command.ToList();
        var info = new ProcessStartInfo(list[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in list.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        if (entry.WorkingDirectory is { } folder)
        {
            info.WorkingDirectory = folder;
        }

        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("RESTIC_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in entry.Env ?? [])
        {
            info.Environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        return info;
    }

    /// <summary>
    /// Runs to the end, the timeout or <paramref name="stop"/>. <paramref name="stdout"/>, when given, takes stdout as bytes (a
    /// dump); <paramref name="stdin"/>, when given, feeds stdin (a restore command) and closes it when done.
    /// </summary>
    public static async Task<Outcome> RunAsync(
        ProcessStartInfo info, TimeSpan? timeout, OutputTail tail, CancellationToken stop,
        Func<Stream, Task>? stdout = null, Func<Stream, Task>? stdin = null)
    {
        var started = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            tail.Add($"cannot start '{info.FileName}': {e.Message}");
            return new Outcome(null, false, false, started.Elapsed, e.Message);
        }

        var feeding = stdin is null ? CloseInput(process) : FeedAsync(process, stdin);
        var output = stdout is null ? PumpAsync(process.StandardOutput, tail) : stdout(process.StandardOutput.BaseStream);
        var errors = PumpAsync(process.StandardError, tail);
        using var limit = timeout is { } t ? new CancellationTokenSource(t) : new CancellationTokenSource();
        using var either = CancellationTokenSource.CreateLinkedTokenSource(limit.Token, stop);
        bool timedOut = false, stopped = false;
        try
        {
            await process.WaitForExitAsync(either.Token);
        }
        catch (OperationCanceledException)
        {
            (timedOut, stopped) = (limit.IsCancellationRequested, !limit.IsCancellationRequested);
            tail.Add(timedOut ? $"killed at its timeout of {timeout!.Value.TotalSeconds:F0} s" : "killed: stopped before its end");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }

        // A dump's stdout is read to its end. Printed lines are waited for a little: a child the command left running in the
        // background (a daemon it started) may hold the pipes open for as long as it lives.
        await Task.WhenAll(stdout is null ? Task.CompletedTask : Quietly(output), Quietly(feeding));
        await Task.WhenAny(Task.WhenAll(Quietly(output), Quietly(errors)), Task.Delay(DrainBound, CancellationToken.None));
        return new Outcome(timedOut || stopped ? null : process.ExitCode, timedOut, stopped, started.Elapsed);
    }

    private static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(2);

    private static Task CloseInput(Process process)
    {
        process.StandardInput.Close();
        return Task.CompletedTask;
    }

    private static async Task FeedAsync(Process process, Func<Stream, Task> feed)
    {
        try
        {
            await feed(process.StandardInput.BaseStream);
        }
        finally
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The command stopped reading; its exit code says why.
            }
        }
    }

    private static async Task PumpAsync(StreamReader reader, OutputTail tail)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            tail.Add(line);
        }
    }

    // A killed command's pipes break mid-read; what it printed until then is in the tail already.
    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }
}
