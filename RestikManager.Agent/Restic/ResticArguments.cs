using System.Globalization;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Restic;

/// <summary>
/// restic's command line for each job: long flags only, never a secret (those are in the environment).
/// Every backup of a plan is tagged <c>rm-plan:&lt;id&gt;</c> so that the plan's forget touches only its own snapshots.
/// </summary>
internal static class ResticArguments
{
    public static List<string> Backup(JobSpec job)
    {
        var args = new List<string> { "backup", "--json" };
        if (job.Hostname is not null)
        {
            args.AddRange(["--host", job.Hostname]);
        }

        if (job.PlanId is not null)
        {
            args.AddRange(["--tag", SnapshotTags.ForPlan(job.PlanId)]);
        }

        foreach (var tag in job.Tags ?? [])
        {
            args.AddRange(["--tag", tag]);
        }

        // Windows' volume shadow copy: the files as they were at one instant (the agent refuses it elsewhere).
        if (job.UseFsSnapshot)
        {
            args.Add("--use-fs-snapshot");
        }

        foreach (var exclude in job.Excludes ?? [])
        {
            args.AddRange(["--exclude", exclude]);
        }

        Limits(job, args);
        args.Add("--");
        args.AddRange(job.Paths ?? []);
        return args;
    }

    /// <summary>
    /// A database source's dump, read from stdin into a snapshot of its own holding one file, <paramref name="filename"/>,
    /// tagged like the plan's backups and with <paramref name="sourceTag"/>.
    /// </summary>
    public static List<string> StdinBackup(JobSpec job, string filename, string sourceTag)
    {
        var args = new List<string> { "backup", "--json", "--stdin", "--stdin-filename", filename };
        if (job.Hostname is not null)
        {
            args.AddRange(["--host", job.Hostname]);
        }

        if (job.PlanId is not null)
        {
            args.AddRange(["--tag", SnapshotTags.ForPlan(job.PlanId)]);
        }

        args.AddRange(["--tag", sourceTag]);
        foreach (var tag in job.Tags ?? [])
        {
            args.AddRange(["--tag", tag]);
        }

        Limits(job, args);
        return args;
    }

    /// <summary>A file of a snapshot, to stdout (a dump streamed into a restore command).</summary>
    public static List<string> Dump(string snapshotId, string path) => ["dump", snapshotId, path];

    public static List<string> Forget(JobSpec job)
    {
        var args = new List<string> { "forget", "--json" };
        if (job.PlanId is not null)
        {
            args.AddRange(["--tag", SnapshotTags.ForPlan(job.PlanId)]);
        }

        var keep = job.Retention ?? new Retention();
        Keep(args, "--keep-last", keep.KeepLast);
        Keep(args, "--keep-hourly", keep.KeepHourly);
        Keep(args, "--keep-daily", keep.KeepDaily);
        Keep(args, "--keep-weekly", keep.KeepWeekly);
        Keep(args, "--keep-monthly", keep.KeepMonthly);
        Keep(args, "--keep-yearly", keep.KeepYearly);
        if (keep.KeepWithin is not null)
        {
            args.AddRange(["--keep-within", keep.KeepWithin]);
        }

        return args;
    }

    public static List<string> Restore(JobSpec job)
    {
        // --json: restic 0.16+ then reports progress as JSON lines; 0.14 prints its one text line either way.
        var args = new List<string> { "restore", "--json", job.SnapshotId!, "--target", job.Target! };
        if (job.IncludePath is not null && job.IncludePath != "/")
        {
            args.AddRange(["--include", job.IncludePath]);
        }

        Limits(job, args);
        return args;
    }

    /// <summary>restic copy of the plan's snapshots into the job's repository (the source is in RESTIC_FROM_*).</summary>
    public static List<string> Copy(JobSpec job)
    {
        var args = new List<string> { "copy" };
        if (job.PlanId is not null)
        {
            args.AddRange(["--tag", SnapshotTags.ForPlan(job.PlanId)]);
        }

        Limits(job, args);
        return args;
    }

    public static List<string> Simple(JobSpec job, string command)
    {
        var args = new List<string> { command };
        // An init with a source repository takes its chunker parameters (restic 0.14+), so copies into it deduplicate well.
        if (command == "init" && job.CopyFromRepositoryId is not null)
        {
            args.Add("--copy-chunker-params");
        }

        if (command is "prune" or "check")
        {
            Limits(job, args);
        }

        // One argument with '=': the value can never be read as a flag of its own. The agent checks it as the server does.
        if (command == "check" && job.ReadDataSubset is { } subset && ReadDataSubset.IsValid(subset))
        {
            args.Add("--read-data-subset=" + subset);
        }

        return args;
    }

    /// <summary>restic stats in one of its modes (<c>raw-data</c>, <c>restore-size</c>), as one JSON document.</summary>
    public static List<string> Stats(string mode) => ["stats", "--json", "--mode", mode];

    public static List<string> Snapshots(string? id = null) => id is null ? ["snapshots", "--json"] : ["snapshots", "--json", id];

    public static List<string> Ls(string snapshotId, string path) => ["ls", "--json", snapshotId, path];

    /// <summary>Every node of the snapshot, recursively, in walk order.</summary>
    public static List<string> Ls(string snapshotId) => ["ls", "--json", snapshotId];

    private static void Limits(JobSpec job, List<string> args)
    {
        if (job.LimitUploadKiB is { } up)
        {
            args.AddRange(["--limit-upload", up.ToString(CultureInfo.InvariantCulture)]);
        }

        if (job.LimitDownloadKiB is { } down)
        {
            args.AddRange(["--limit-download", down.ToString(CultureInfo.InvariantCulture)]);
        }
    }

    private static void Keep(List<string> args, string flag, int? value)
    {
        if (value is { } n)
        {
            args.AddRange([flag, n.ToString(CultureInfo.InvariantCulture)]);
        }
    }
}
