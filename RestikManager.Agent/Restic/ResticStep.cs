using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Restic;

/// <summary>What one restic command printed: its JSON lines went to the handler; text is kept (the tail) for errors.</summary>
internal sealed class ResticStep
{
    private const int MaxErrorChars = 4000;
    private readonly Queue<string> _text = new();
    private int _textChars;

    public int ExitCode { get; private set; }

    public bool Cancelled { get; private set; }

    public bool Killed { get; private set; }

    /// <summary>restic's text lines (both streams) that say something, most recent last, at most ~4 KB.</summary>
    public string Text
    {
        get
        {
            lock (_text)
            {
                return string.Join('\n', _text);
            }
        }
    }

    public List<string> Skipped { get; } = [];

    /// <summary>restic 0.14's "ignoring error for &lt;path&gt;: &lt;what&gt;" lines (a restore's files it could not write or verify), at most 1000.</summary>
    public List<string> ItemErrors { get; } = [];

    /// <summary>restic copy's "snapshot … saved" lines: snapshots it copied.</summary>
    public int SnapshotsSaved { get; private set; }

    /// <summary>restic copy's "skipping source snapshot …, was already copied" lines.</summary>
    public int SnapshotsAlreadyCopied { get; private set; }

    /// <summary>Why the command failed, as far as its exit code and output say (<see cref="JobErrors"/>).</summary>
    public string ErrorClass => ExitCode == -1 ? JobErrors.ResticMissing : ResticErrors.Classify(ExitCode, Text);

    public static async Task<ResticStep> RunAsync(
        string restic, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, string cacheDir,
        Action<ResticLine>? onJson, CancellationToken cancellationToken,
        Func<Stream, Task<bool>>? stdin = null, Func<Stream, Task>? rawStdout = null)
    {
        var step = new ResticStep();
        var info = ResticProcess.StartInfo(restic, args, environment, cacheDir);
        void OnLine(string line)
        {
            if (ResticLine.TryParse(line) is { } json)
            {
                onJson?.Invoke(json);
            }
            else if (line.StartsWith('['))
            {
                onJson?.Invoke(new ResticLine { MessageType = "array", Message = line });
            }
            else
            {
                step.AddText(line);
            }
        }

        try
        {
            var outcome = await ResticProcess.RunAsync(info, OnLine, OnLine, cancellationToken, stdin, rawStdout);
            (step.ExitCode, step.Cancelled, step.Killed) = (outcome.ExitCode, outcome.Cancelled, outcome.Killed);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            step.ExitCode = -1;
            step.AddText($"cannot run restic ('{restic}'): {e.Message}");
        }

        return step;
    }

    private void AddText(string line)
    {
        if (string.IsNullOrWhiteSpace(line) || line.StartsWith("reading repository password", StringComparison.Ordinal))
        {
            return;
        }

        if (line.EndsWith(" does not exist, skipping", StringComparison.Ordinal))
        {
            lock (Skipped)
            {
                Skipped.Add(line[..^" does not exist, skipping".Length]);
            }
        }

        if (line.StartsWith("snapshot ", StringComparison.Ordinal) && line.EndsWith(" saved", StringComparison.Ordinal))
        {
            SnapshotsSaved++;
        }
        else if (line.StartsWith("skipping source snapshot ", StringComparison.Ordinal))
        {
            SnapshotsAlreadyCopied++;
        }

        if (line.StartsWith("ignoring error for ", StringComparison.Ordinal))
        {
            lock (ItemErrors)
            {
                if (ItemErrors.Count < 1000)
                {
                    ItemErrors.Add(line);
                }
            }
        }

        lock (_text)
        {
            _text.Enqueue(line);
            _textChars += line.Length + 1;
            while (_textChars > MaxErrorChars && _text.Count > 1)
            {
                _textChars -= _text.Dequeue().Length + 1;
            }
        }
    }

    public override string ToString() => Text is { Length: > 0 } text ? text : $"restic exited with code {ExitCode}";
}
