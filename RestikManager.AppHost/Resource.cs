using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RestikManager.AppHost;

/// <summary>
/// One process of the stack. Each output line goes to the model's log sink (the AppHost prints it with a
/// <c>[name]</c> prefix; tests keep it) and the last lines stay in <see cref="Output"/>.
/// </summary>
public sealed partial class Resource : IDisposable
{
    private const int KeptLines = 2000;
    private readonly Process _process;
    private readonly Action<string, string> _log;
    private readonly Queue<string> _lines = new();

    private Resource(string name, Process process, Action<string, string> log)
    {
        Name = name;
        _process = process;
        _log = log;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines this process printed.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Prints each line to the console with a <c>[name]</c> prefix.</summary>
    public static void ToConsole(string name, string line) => Console.WriteLine($"[{name}] {line}");

    public static Resource Start(string name, string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string?> env,
        Action<string, string>? log = null)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env)
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info };
        var resource = new Resource(name, process, log ?? ToConsole);
        process.OutputDataReceived += (_, e) => resource.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => resource.OnLine(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return resource;
    }

    public static async Task<int> RunToEndAsync(string name, string fileName, IEnumerable<string> args,
        IReadOnlyDictionary<string, string?> env, CancellationToken cancellationToken, Action<string, string>? log = null)
    {
        using var resource = Start(name, fileName, args, env, log);
        try
        {
            await resource._process.WaitForExitAsync(cancellationToken);
        }
        finally
        {
            await resource.StopAsync(TimeSpan.FromSeconds(5));
        }

        return resource._process.ExitCode;
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>SIGTERM, then a kill of the whole tree once <paramref name="grace"/> has passed.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        _ = kill(_process.Id, 15);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            ProcessTree.KillAndWait(_process);
        }
    }

    /// <summary>SIGKILL to the whole tree (restic included), waiting until it is gone: no chance to flush or say goodbye.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            ProcessTree.KillAndWait(_process);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > KeptLines)
            {
                _lines.Dequeue();
            }
        }

        _log(Name, line);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
