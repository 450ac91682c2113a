using System.Text.Json;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Restic;

/// <summary>
/// What restic's JSON output says about one job: progress (passed on at most once a second), a backup's summary and
/// snapshot, the files it could not read, what forget kept and removed.
/// </summary>
internal sealed class JobOutput(JobSpec job, TimeProvider time, Action<JobProgress> progress)
{
    private const int UnreadableListed = 20;
    private readonly List<string> _unreadable = [];
    private DateTimeOffset _lastProgress = DateTimeOffset.MinValue;
    private long _errorLines;

    public BackupSummary? Summary { get; private set; }

    /// <summary>The snapshot id as restic printed it (8 hex digits before restic 0.17).</summary>
    public string? SnapshotId { get; private set; }

    public ForgetSummary? Forget { get; private set; }

    public long ErrorLines => Interlocked.Read(ref _errorLines);

    /// <summary>The first files restic could not read, each with what it was doing.</summary>
    public string Unreadable
    {
        get
        {
            lock (_unreadable)
            {
                return string.Join(", ", _unreadable);
            }
        }
    }

    public void OnJson(ResticLine line)
    {
        switch (line.Kind)
        {
            // Backups (all versions) and restores (restic 0.16+, which reports files_restored/bytes_restored).
            case "status" when line.Action is null && job.Kind is JobKinds.Backup or JobKinds.Restore:
                var now = time.GetUtcNow();
                if (now - _lastProgress >= TimeSpan.FromSeconds(1))
                {
                    _lastProgress = now;
                    progress(ToProgress(job.JobId, line));
                }

                break;
            case "summary" when job.Kind == JobKinds.Backup:
                Summary = ToSummary(line, ErrorLines);
                SnapshotId = line.SnapshotId;
                break;
            case "error":
                Interlocked.Increment(ref _errorLines);
                lock (_unreadable)
                {
                    if (_unreadable.Count < UnreadableListed && line.Item is not null)
                    {
                        _unreadable.Add($"{line.Item} ({line.During ?? "read"})");
                    }
                }

                break;
            case "array" when job.Kind == JobKinds.Forget:
                Forget ??= ToForget(line.Message!);
                break;
        }
    }

    private static JobProgress ToProgress(string jobId, ResticLine line) => new(
        jobId, line.PercentDone ?? 0, (long)(line.FilesDone ?? line.FilesRestored ?? 0), (long)(line.TotalFiles ?? 0),
        (long)(line.BytesDone ?? line.BytesRestored ?? 0),
        (long)(line.TotalBytes ?? 0), (long)(line.ErrorCount ?? 0), (long)(line.SecondsElapsed ?? 0), (long?)line.SecondsRemaining,
        line.CurrentFiles is [var first, ..] ? Shorten(first) : null);

    private static BackupSummary ToSummary(ResticLine l, long errors) => new(
        (long)(l.FilesNew ?? 0), (long)(l.FilesChanged ?? 0), (long)(l.FilesUnmodified ?? 0), (long)(l.DirsNew ?? 0),
        (long)(l.DirsChanged ?? 0), (long)(l.DirsUnmodified ?? 0), (long)(l.DataAdded ?? 0), (long)(l.TotalFilesProcessed ?? 0),
        (long)(l.TotalBytesProcessed ?? 0), l.TotalDuration ?? 0, errors);

    private static ForgetSummary? ToForget(string json)
    {
        try
        {
            var groups = JsonSerializer.Deserialize(json, ResticJsonContext.Default.ListResticForgetGroup) ?? [];
            var removed = groups.SelectMany(g => g.Remove ?? []).Select(s => s.Id).ToList();
            return new ForgetSummary(groups.Sum(g => g.Keep?.Count ?? 0), removed.Count, removed.Take(200).ToList());
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string path) => path.Length <= 200 ? path : "…" + path[^199..];
}
