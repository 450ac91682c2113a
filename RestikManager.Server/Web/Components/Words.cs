using System.Globalization;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Jobs;
using RestikManager.Server.Protection;

namespace RestikManager.Server.Web.Components;

/// <summary>How the pages say things: times, durations, sizes, verdicts and job outcomes in plain words.</summary>
internal static class Words
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>A stored timestamp (ISO 8601) as UTC text, e.g. "2026-11-22 09:14 UTC"; null for none or unreadable.</summary>
    public static string? Utc(string? stamp) => Parse(stamp)?.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", Invariant);

    /// <summary>The same stamp in ISO 8601 UTC for a <c>time</c> element's datetime.</summary>
    public static string? Iso(string? stamp) => Parse(stamp)?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", Invariant);

    /// <summary>A <c>time</c> element (site.js shows it in the browser's zone, UTC on hover); "never" for none.</summary>
    public static Microsoft.AspNetCore.Html.IHtmlContent Time(string? stamp, string never = "never") =>
        Iso(stamp) is { } iso
            ? new Microsoft.AspNetCore.Html.HtmlContentBuilder().AppendHtml("<time datetime=\"").Append(iso).AppendHtml("\">")
                .Append(Utc(stamp)!).AppendHtml("</time>")
            : new Microsoft.AspNetCore.Html.HtmlString(System.Net.WebUtility.HtmlEncode(never));

    /// <summary>A running job's percent done, 0 to 100, as the progress element's value.</summary>
    public static string Percent(JobProgress p) => Math.Clamp(p.PercentDone * 100, 0, 100).ToString("0", Invariant);

    public static DateTimeOffset? Parse(string? stamp) =>
        DateTimeOffset.TryParse(stamp, Invariant, DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    /// <summary>How long a finished job ran ("&lt;1 s", "42 s", "3 min 5 s"); empty while it has not finished.</summary>
    public static string Took(JobView job) =>
        Parse(job.StartedAt) is { } started && Parse(job.FinishedAt) is { } finished ? Duration(finished - started) : "";

    public static string Duration(TimeSpan took) =>
        took.TotalHours >= 1 ? $"{(int)took.TotalHours} h {took.Minutes} min"
        : took.TotalMinutes >= 1 ? $"{(int)took.TotalMinutes} min {took.Seconds} s"
        : took.TotalSeconds < 1 ? "<1 s" : $"{(int)took.TotalSeconds} s";

    /// <summary>Bytes in binary units ("1.5 GiB").</summary>
    public static string Size(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        var unit = 0;
        while (bytes >= 1024 && unit < units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes:0} B" : string.Create(Invariant, $"{bytes:0.#} {units[unit]}");
    }

    public static string Verdict(Verdict verdict) => verdict switch
    {
        Protection.Verdict.Unprotected => "not protected",
        Protection.Verdict.Failing => "failing",
        Protection.Verdict.Partial => "partial",
        Protection.Verdict.Unproven => "unproven",
        Protection.Verdict.NoCopy => "no second copy",
        Protection.Verdict.Pending => "no backup yet",
        _ => "protected",
    };

    /// <summary>The restic a host runs and where it comes from.</summary>
    public static string Restic(string? version, string? source) => version is null ? "missing" : source switch
    {
        ResticSources.Server => $"{version} (from this server)",
        ResticSources.Configured => $"{version} (configured path)",
        ResticSources.Path => $"{version} (the host's own)",
        _ => version,
    };

    /// <summary>One plan's line under a host's verdict.</summary>
    public static string PlanLine(PlanProtection p)
    {
        var latest = p.Latest is null ? "no backup finished yet"
            : $"{p.Latest.Status}{(p.Latest.ErrorClass is { Length: > 0 } e ? $" ({e})" : "")} {Utc(p.Latest.FinishedAt)}";
        var lastGood = p.Latest?.Status == JobStatuses.Succeeded ? "" : $"; last success {Utc(p.LastSucceededAt) ?? "never"}";
        var drill = p.LastPassedDrill?.FinishedAt is { } proven ? $"; proven restorable {Utc(proven)}"
            : p.Plan.RequireDrillWithinDays is not null ? "; never proven restorable by a drill" : "";
        var failedDrill = p.LatestDrill is { Status: not JobStatuses.Succeeded } d ? $"; the newest drill {d.Status}" : "";
        var copies = p.CopiesCurrent switch { true => "; copies current", false => "; a copy target lacks the newest snapshot", _ => "" };
        return $"{p.Plan.Name}: {latest}{lastGood}{(p.Overdue ? "; a scheduled run was missed" : "")}{drill}{failedDrill}{copies}";
    }

    /// <summary>What an error class means, for the operator.</summary>
    public static string Error(string? errorClass) => errorClass switch
    {
        null or "" => "",
        JobErrors.WrongPassword => "restic could not open the repository with the stored password.",
        JobErrors.RepositoryMissing => "There is no restic repository at the repository's URL (initialise it first).",
        JobErrors.RepositoryExists => "A repository exists already at that URL.",
        JobErrors.Locked => "The repository stayed locked by another restic run.",
        JobErrors.SourceMissing => "A path to back up does not exist on the host.",
        JobErrors.PartialBackup => "Some files could not be read; the snapshot leaves them out.",
        JobErrors.Interrupted => "The job was interrupted (the agent stopped while it ran).",
        JobErrors.HostAway => "The host went away while the job ran; its own result replaces this one when it comes back.",
        JobErrors.ResticMissing => "restic is not installed on the host.",
        JobErrors.SnapshotMissing => "The snapshot is not in the repository.",
        JobErrors.DrillMismatch => "Files of the drill's sample did not restore as the snapshot recorded them.",
        JobErrors.HookNotAllowed => "The host's allowlist (hooks.d) does not allow what the plan names, or holds it in an unsafe file; nothing ran.",
        JobErrors.HookFailed => "A hook failed, so the backup did not run (or the restore command failed).",
        JobErrors.DumpFailed => "A database dump failed; no snapshot of it was kept.",
        JobErrors.FsSnapshotUnsupported => "File-system snapshots (VSS) are made on Windows hosts only.",
        _ => "restic failed.",
    };

    /// <summary>One running job's progress in words: "1.2 GiB of 3 GiB · 120 of 400 files · 12 MiB/s · 2 min left".</summary>
    public static string Progress(JobProgress p)
    {
        var parts = new List<string>();
        if (p.TotalBytes > 0)
        {
            parts.Add($"{Size(p.BytesDone)} of {Size(p.TotalBytes)}");
        }

        if (p.TotalFiles > 0)
        {
            parts.Add($"{p.FilesDone:N0} of {p.TotalFiles:N0} files");
        }

        if (p.SecondsElapsed > 0)
        {
            parts.Add($"{Size(p.BytesDone / (double)p.SecondsElapsed)}/s");
        }

        if (p.SecondsRemaining is { } left)
        {
            parts.Add($"{Duration(TimeSpan.FromSeconds(left))} left");
        }

        if (p.ErrorCount > 0)
        {
            parts.Add($"{p.ErrorCount} unreadable");
        }

        return string.Join(" · ", parts);
    }
}
