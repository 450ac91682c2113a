using System.Globalization;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Api;
using RestikManager.Server.Plans;
using RestikManager.Server.Web.Components;

namespace RestikManager.Server.Web.Pages.Plans;

/// <summary>
/// The plan form as posted: text as typed, turned into the API's <see cref="PlanRequest"/> (lists one per line, numbers
/// read here) so that <see cref="PlanValidation"/> is the one place that judges a plan.
/// </summary>
internal sealed class PlanForm
{
    public string? Name { get; set; }

    public string? RepositoryId { get; set; }

    public List<string> Hosts { get; set; } = [];

    public List<string> Labels { get; set; } = [];

    public string? Paths { get; set; }

    public string? Excludes { get; set; }

    public string? Tags { get; set; }

    public string? Schedule { get; set; }

    public string? TimeZone { get; set; } = "UTC";

    public string? KeepLast { get; set; }

    public string? KeepHourly { get; set; }

    public string? KeepDaily { get; set; }

    public string? KeepWeekly { get; set; }

    public string? KeepMonthly { get; set; }

    public string? KeepYearly { get; set; }

    public string? KeepWithin { get; set; }

    public string? ForgetSchedule { get; set; }

    public string? CheckSchedule { get; set; }

    public string? CheckReadData { get; set; }

    public string? DrillSchedule { get; set; }

    public string? DrillHost { get; set; }

    public string? DrillFiles { get; set; } = JobSpec.DefaultDrillFiles.ToString(CultureInfo.InvariantCulture);

    public string? DrillMaxMiB { get; set; } = (JobSpec.DefaultDrillMaxBytes / Mebi).ToString(CultureInfo.InvariantCulture);

    public string? RequireDrillWithinDays { get; set; }

    public List<string> CopyTo { get; set; } = [];

    public bool RequireCopy { get; set; }

    private const long Mebi = 1024 * 1024;

    /// <summary>Hook names per phase, separated by commas, in the order they run.</summary>
    public string? BeforeHooks { get; set; }

    public string? AfterHooks { get; set; }

    public string? OnFailureHooks { get; set; }

    public string? FinallyHooks { get; set; }

    public bool ContinueOnError { get; set; }

    /// <summary>Database source names, separated by commas.</summary>
    public string? Databases { get; set; }

    public bool UseFsSnapshot { get; set; }

    public string? LimitUploadKiB { get; set; }

    public string? LimitDownloadKiB { get; set; }

    public bool Enabled { get; set; } = true;

    public static PlanForm From(Plan plan) => new()
    {
        Name = plan.Name, RepositoryId = plan.RepositoryId, Hosts = [.. plan.Hosts], Labels = [.. plan.Labels],
        Paths = string.Join('\n', plan.Paths), Excludes = string.Join('\n', plan.Excludes), Tags = string.Join(", ", plan.Tags),
        Schedule = plan.Schedule?.Expression, TimeZone = plan.TimeZone,
        KeepLast = Text(plan.Retention.KeepLast), KeepHourly = Text(plan.Retention.KeepHourly), KeepDaily = Text(plan.Retention.KeepDaily),
        KeepWeekly = Text(plan.Retention.KeepWeekly), KeepMonthly = Text(plan.Retention.KeepMonthly), KeepYearly = Text(plan.Retention.KeepYearly),
        KeepWithin = plan.Retention.KeepWithin, ForgetSchedule = plan.ForgetSchedule?.Expression, CheckSchedule = plan.CheckSchedule?.Expression,
        LimitUploadKiB = Text(plan.LimitUploadKiB), LimitDownloadKiB = Text(plan.LimitDownloadKiB), Enabled = plan.Enabled,
        CheckReadData = plan.CheckReadData, DrillSchedule = plan.DrillSchedule?.Expression, DrillHost = plan.DrillHost,
        DrillFiles = Text(plan.DrillFiles), DrillMaxMiB = (plan.DrillMaxBytes / (double)Mebi).ToString("0.###", CultureInfo.InvariantCulture),
        RequireDrillWithinDays = Text(plan.RequireDrillWithinDays), CopyTo = [.. plan.CopyTo], RequireCopy = plan.RequireCopy,
        BeforeHooks = string.Join(", ", plan.Hooks.Before!), AfterHooks = string.Join(", ", plan.Hooks.After!),
        OnFailureHooks = string.Join(", ", plan.Hooks.OnFailure!), FinallyHooks = string.Join(", ", plan.Hooks.Finally!),
        ContinueOnError = plan.ContinueOnError, Databases = string.Join(", ", plan.Databases), UseFsSnapshot = plan.UseFsSnapshot,
    };

    /// <summary>The request this form makes, or the field whose text is not a number.</summary>
    public (PlanRequest? Request, Refusal? Problem) ToRequest()
    {
        var numbers = new Dictionary<string, int?>();
        foreach (var (field, group, text) in new[]
        {
            ("keepLast", "retention", KeepLast), ("keepHourly", "retention", KeepHourly), ("keepDaily", "retention", KeepDaily),
            ("keepWeekly", "retention", KeepWeekly), ("keepMonthly", "retention", KeepMonthly), ("keepYearly", "retention", KeepYearly),
            ("limitUploadKiB", "limitUploadKiB", LimitUploadKiB), ("limitDownloadKiB", "limitDownloadKiB", LimitDownloadKiB),
            ("drillFiles", "drillFiles", DrillFiles), ("requireDrillWithinDays", "requireDrillWithinDays", RequireDrillWithinDays),
        })
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                numbers[field] = null;
            }
            else if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                numbers[field] = n;
            }
            else
            {
                return (null, Refusal.Invalid("invalid_plan", group, $"{group}: {field} is a whole number ('{text.Trim()}' is not)"));
            }
        }

        long? drillMaxBytes = null;
        if (!string.IsNullOrWhiteSpace(DrillMaxMiB))
        {
            if (!double.TryParse(DrillMaxMiB.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var mib) || mib > 1 << 20)
            {
                return (null, Refusal.Invalid("invalid_plan", "drillMaxBytes", $"drillMaxBytes: the drill's space is a number of MiB ('{DrillMaxMiB.Trim()}' is not)"));
            }

            drillMaxBytes = (long)Math.Round(mib * Mebi);
        }

        var retention = new Retention(numbers["keepLast"], numbers["keepHourly"], numbers["keepDaily"], numbers["keepWeekly"],
            numbers["keepMonthly"], numbers["keepYearly"], FormValues.Blank(KeepWithin));
        return (new PlanRequest(Name, RepositoryId, Hosts, Labels, Lines(Paths), Lines(Excludes),
            Names(Tags),
            FormValues.Blank(Schedule), FormValues.Blank(TimeZone), retention, FormValues.Blank(ForgetSchedule), FormValues.Blank(CheckSchedule),
            numbers["limitUploadKiB"], numbers["limitDownloadKiB"], Enabled,
            FormValues.Blank(DrillSchedule), FormValues.Blank(DrillHost), numbers["drillFiles"], drillMaxBytes, numbers["requireDrillWithinDays"],
            FormValues.Blank(CheckReadData), CopyTo, RequireCopy,
            new PlanHooks(Names(BeforeHooks), Names(AfterHooks), Names(OnFailureHooks), Names(FinallyHooks)), ContinueOnError,
            Names(Databases), UseFsSnapshot), null);
    }

    /// <summary>Tags and allowlist names as typed: separated by commas or white space.</summary>
    private static List<string> Names(string? text) =>
        [.. (text ?? "").Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)];

    private static List<string> Lines(string? text) =>
        [.. (text ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];


    private static string? Text(int? n) => n?.ToString(CultureInfo.InvariantCulture);
}
