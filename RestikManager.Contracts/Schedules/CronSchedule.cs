using System.Text.RegularExpressions;
using Quartz;

namespace RestikManager.Contracts.Schedules;

/// <summary>
/// A schedule: a cron expression read by Quartz's <see cref="CronExpression"/> in a named time zone. Both Quartz's own
/// form (seconds first, <c>?</c> in one day field: <c>0 30 2 * * ?</c>) and the classic five fields
/// (<c>30 2 * * *</c>, day of week 0–7 with 0 and 7 Sunday) are accepted; the classic form is rewritten to Quartz's.
/// The server validates with this class and the agent fires with it, so both read a schedule the same way. A schedule is
/// parsed once, where it comes in (an API request, a database row, a plan set on the wire), and carried as this value; it
/// writes itself to JSON as the expression it was given (<see cref="Expression"/>).
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(CronScheduleJsonConverter))]
public sealed partial class CronSchedule
{
    // Parsed once (parsing dominates asking for the next time); Quartz does not promise a CronExpression is safe to
    // share between threads, so asking goes one at a time.
    private readonly CronExpression _cron;
    private readonly System.Threading.Lock _gate = new();

    private CronSchedule(CronExpression cron, string expression, string timeZone)
    {
        _cron = cron;
        Expression = expression;
        TimeZone = timeZone;
    }

    /// <summary>The expression as it was given (trimmed), which is what is stored and shown.</summary>
    public string Expression { get; }

    /// <summary>The IANA name of the zone it fires in.</summary>
    public string TimeZone { get; }

    public override string ToString() => Expression;

    /// <summary>Parses <paramref name="expression"/> in <paramref name="timeZone"/>; on failure says why, naming nothing secret.</summary>
    public static bool TryParse(string? expression, string? timeZone, out CronSchedule? schedule, out string? error, out string? badField)
    {
        schedule = null;
        badField = null;
        if (!TryFindZone(timeZone, out var zone))
        {
            badField = "timeZone";
            error = $"'{timeZone}' is not a known time zone; use an IANA name such as Europe/Berlin or UTC";
            return false;
        }

        if (!TryNormalize(expression, out var quartz, out error))
        {
            badField = "schedule";
            return false;
        }

        CronExpression cron;
        try
        {
            cron = new CronExpression(quartz) { TimeZone = zone };
        }
        catch (FormatException e)
        {
            badField = "schedule";
            error = $"'{expression}' is not a valid cron expression: {e.Message}";
            return false;
        }

        if (cron.GetNextValidTimeAfter(DateTimeOffset.UtcNow) is null)
        {
            badField = "schedule";
            error = $"'{expression}' never fires";
            return false;
        }

        schedule = new CronSchedule(cron, expression!.Trim(), timeZone!.Trim());
        return true;
    }

    public static bool TryFindZone(string? name, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(name))
        {
            return false;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(name);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }

    /// <summary>The next time the schedule fires strictly after <paramref name="after"/>.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        lock (_gate)
        {
            return _cron.GetNextValidTimeAfter(after);
        }
    }

    /// <summary>Classic five-field cron → Quartz (seconds first, <c>?</c> for the unrestricted day field, Sunday = 1).</summary>
    public static bool TryNormalize(string? expression, out string quartz, out string? error)
    {
        quartz = "";
        error = null;
        var fields = (expression ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (fields.Length is 6 or 7)
        {
            quartz = string.Join(' ', fields);
            return true;
        }

        if (fields.Length != 5)
        {
            error = $"'{expression}' is not a cron expression: give 5 fields (minute hour day-of-month month day-of-week, e.g. '30 2 * * *') or Quartz's 6–7 (e.g. '0 30 2 * * ?')";
            return false;
        }

        var (dom, dow) = (fields[2], fields[4]);
        dow = DayNumber().Replace(dow, m => ((int.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture) % 7) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (dow == "*")
        {
            dow = "?";
        }
        else if (dom == "*")
        {
            dom = "?";
        }
        else
        {
            error = $"'{expression}' restricts both day of month and day of week, which Quartz cron cannot express";
            return false;
        }

        quartz = $"0 {fields[0]} {fields[1]} {dom} {fields[3]} {dow}";
        return true;
    }

    [GeneratedRegex(@"(?<![#/])\b\d+\b")]
    private static partial Regex DayNumber();
}
