using System.Collections.Concurrent;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Events;

namespace RestikManager.Server.Jobs;

/// <summary>A job as the API and the pages show it: its record, and its live progress while it runs.</summary>
internal sealed record JobView(
    string Id, string Kind, string Status, string RepositoryId, string? PlanId, string AgentId, string Trigger,
    string CreatedAt, string? StartedAt, string? FinishedAt, int? ExitCode, string? ErrorClass, string? Error,
    string? SnapshotId, BackupSummary? Backup, ForgetSummary? Forget, JobProgress? Progress)
{
    /// <summary>A drill's findings: the snapshot, files and bytes checked, and the files that did not come back intact.</summary>
    public DrillSummary? Drill { get; init; }

    /// <summary>A copy's figures: snapshots copied, and snapshots the target held already.</summary>
    public CopySummary? Copy { get; init; }

    /// <summary>A copy's source repository (the job's repository is its target).</summary>
    public string? CopyFromRepositoryId { get; init; }

    /// <summary>The host whose data a drill restored, when another host ran it.</summary>
    public string? SubjectAgentId { get; init; }

    /// <summary>The hooks the job ran (and its database dumps' commands), in order, each with its exit code and output's tail.</summary>
    public IReadOnlyList<HookRun> Hooks { get; init; } = [];

    /// <summary>A backup's database sources, each dumped into its own snapshot.</summary>
    public IReadOnlyList<DumpResult> Dumps { get; init; } = [];

    /// <summary>A restore into a restore command (instead of a target directory): the command's allowlist name.</summary>
    public string? RestoreCommand { get; init; }

    /// <summary>A restore's target directory.</summary>
    public string? Target { get; init; }
}

/// <summary>
/// The read side of jobs: views of the history joined with the live progress of running jobs. Progress is memory
/// only (it is not history): an agent's progress is kept for its own running job, which is looked up once per job,
/// not once per message.
/// </summary>
internal sealed class JobViews(JobStore jobs, DomainEvents events) : IHandles<JobChanged>
{
    private const int CurrentFileChars = 300;
    private readonly ConcurrentDictionary<string, JobProgress> _progress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _runningOn = new(StringComparer.Ordinal);

    public JobView? Find(string id) => jobs.Find(id) is { } job ? View(job) : null;

    public IReadOnlyList<JobView> List(string? planId, string? agentId, string? repositoryId, string? status, int limit, string? kind = null) =>
        [.. jobs.List(planId, agentId, repositoryId, status, limit, kind).Select(View)];

    public JobView View(JobRecord job)
    {
        var (backup, forget) = JobStore.Summary(job);
        return new JobView(job.Id, job.Kind, job.Status, job.RepositoryId, job.PlanId, job.AgentId, job.Trigger, job.CreatedAt,
            job.StartedAt, job.FinishedAt, (int?)job.ExitCode, job.ErrorClass, job.Error, job.SnapshotId, backup, forget,
            job.Status == JobStatuses.Running && _progress.TryGetValue(job.Id, out var progress) ? progress : null)
        {
            Drill = JobStore.DrillOf(job),
            Copy = JobStore.CopyOf(job),
            CopyFromRepositoryId = job.Kind == JobKinds.Copy ? JobStore.Spec(job)?.CopyFromRepositoryId : null,
            SubjectAgentId = job.SubjectAgentId is { } subject && subject != job.AgentId ? subject : null,
            Hooks = JobStore.HooksOf(job),
            Dumps = JobStore.DumpsOf(job),
            RestoreCommand = job.Kind == JobKinds.Restore ? JobStore.Spec(job)?.RestoreCommand : null,
            Target = job.Kind == JobKinds.Restore ? JobStore.Spec(job)?.Target : null,
        };
    }

    /// <summary>Keeps <paramref name="progress"/> if its job runs on <paramref name="agentId"/>; anything else is dropped.</summary>
    public void Progressed(string agentId, JobProgress progress)
    {
        if (!_runningOn.TryGetValue(progress.JobId, out var owner))
        {
            if (jobs.Find(progress.JobId) is not { Status: JobStatuses.Running } job)
            {
                return;
            }

            owner = _runningOn[progress.JobId] = job.AgentId;
        }

        if (owner == agentId)
        {
            var kept = _progress[progress.JobId] = progress.CurrentFile is { Length: > CurrentFileChars } file
                ? progress with { CurrentFile = file[..CurrentFileChars] + "…" }
                : progress;
            events.Publish(new JobChanged(progress.JobId, agentId, ProgressOnly: true, kept));
        }
    }

    /// <summary>A job changed, here or on another replica: progress heard from there is kept here too, for this replica's pages.</summary>
    public void Handle(JobChanged domainEvent)
    {
        if (domainEvent.Progress is { } progress)
        {
            _progress[domainEvent.JobId] = progress;
        }
        else if (!domainEvent.ProgressOnly && !_runningOn.ContainsKey(domainEvent.JobId))
        {
            // Progress from another replica's agent: let it go when the job's row changes (ended, say); a running job sends more.
            _progress.TryRemove(domainEvent.JobId, out _);
        }
    }

    /// <summary>The job is no longer running: its progress is let go.</summary>
    public void Ended(string jobId)
    {
        _progress.TryRemove(jobId, out _);
        _runningOn.TryRemove(jobId, out _);
    }
}
