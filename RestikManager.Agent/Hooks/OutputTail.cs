using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Hooks;

/// <summary>
/// The last lines a command printed (both streams), at most <see cref="MessageRules.MaxOutputTail"/> characters, with every
/// secret value replaced by <c>[redacted]</c> before a line is kept (and before a long line is cut, so that no half of a
/// secret survives the cut).
/// </summary>
internal sealed class OutputTail(IEnumerable<string> secrets)
{
    private const int MaxLineChars = 1000;
    private const string Redacted = "[redacted]";
    private readonly string[] _secrets = [.. secrets.Where(s => s.Length >= 4).Distinct().OrderByDescending(s => s.Length)];
    private readonly Queue<string> _lines = new();
    private int _chars;

    public void Add(string line)
    {
        foreach (var secret in _secrets)
        {
            line = line.Replace(secret, Redacted, StringComparison.Ordinal);
        }

        if (line.Length > MaxLineChars)
        {
            line = line[..MaxLineChars] + "…";
        }

        lock (_lines)
        {
            _lines.Enqueue(line);
            _chars += line.Length + 1;
            while (_chars > MessageRules.MaxOutputTail && _lines.Count > 1)
            {
                _chars -= _lines.Dequeue().Length + 1;
            }
        }
    }

    public override string ToString()
    {
        lock (_lines)
        {
            var text = string.Join('\n', _lines);
            return text.Length <= MessageRules.MaxOutputTail ? text : text[^MessageRules.MaxOutputTail..];
        }
    }
}
