using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace RestikManager.AppHost;

/// <summary>One process of the stack, its output streamed with a <c>[name]</c> prefix.</summary>
internal sealed partial class Resource : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<Uri> _url = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Resource(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public static Resource Start(string name, string fileName, IEnumerable<string> args, Dictionary<string, string?> env)
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
        var resource = new Resource(name, process);
        process.OutputDataReceived += (_, e) => resource.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => resource.OnLine(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return resource;
    }

    public static async Task<int> RunToEndAsync(string name, string fileName, IEnumerable<string> args, Dictionary<string, string?> env, CancellationToken cancellationToken)
    {
        using var resource = Start(name, fileName, args, env);
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

    public async Task<Uri> WaitForUrlAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        await _url.Task.WaitAsync(timeout, cancellationToken);

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
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        Console.WriteLine($"[{Name}] {line}");
        var match = ListeningLine().Match(line);
        if (match.Success)
        {
            _url.TrySetResult(new Uri(match.Groups["url"].Value));
        }
    }

    [GeneratedRegex(@"Listening on (?<url>https?://\S+?)(,|$)")]
    private static partial Regex ListeningLine();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
