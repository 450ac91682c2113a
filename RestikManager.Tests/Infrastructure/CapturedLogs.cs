using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace RestikManager.Tests.Infrastructure;

/// <summary>Every line the in-process server logs, with exception text, for scans and assertions.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public string All => string.Join('\n', _lines);

    public ILogger CreateLogger(string categoryName) => new Sink(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Sink(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{logLevel} {category}: {formatter(state, exception)} {exception}";
            lines.Enqueue(line);
            if (logLevel >= LogLevel.Error && Environment.GetEnvironmentVariable("RM_TEST_ERROR_LOG") is { Length: > 0 } path)
            {
                lock (lines)
                {
                    File.AppendAllText(path, line + "\n");
                }
            }
        }
    }
}
