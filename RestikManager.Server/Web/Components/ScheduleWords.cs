using System.Globalization;
using System.Text.RegularExpressions;
using RestikManager.Contracts.Schedules;

namespace RestikManager.Server.Web.Components;

/// <summary>A schedule as a person reads it: the common shapes in words, and its next run times in the plan's zone.</summary>
internal static partial class ScheduleWords
{
    private static readonly string[] DayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    /// <summary>
    /// "every day at 02:30", "every 15 minutes", "Mon–Fri at 22:00", "on day 1 of each month at 03:00"; null for shapes
    /// this does not put in words (the next run times still say what it does).
    /// </summary>
    public static string? Describe(string? expression)
    {
        if (!CronSchedule.TryNormalize(expression, out var quartz, out _))
        {
            return null;
        }

        var f = quartz.Split(' ');
        if (f.Length == 7 && f[6] != "*")
        {
            return null;
        }

        var (sec, min, hour, dom, month, dow) = (f[0], f[1], f[2], f[3], f[4], f[5]);
        if (sec != "0" || month != "*")
        {
            return null;
        }

        var anyDay = dom is "*" or "?" && dow is "*" or "?";
        if (anyDay && Step(min) is { } everyMinutes && hour == "*")
        {
            return everyMinutes == 1 ? "every minute" : $"every {everyMinutes} minutes";
        }

        if (!int.TryParse(min, CultureInfo.InvariantCulture, out var minute))
        {
            return null;
        }

        if (anyDay && hour == "*")
        {
            return $"every hour at minute {minute}";
        }

        if (anyDay && Step(hour) is { } everyHours)
        {
            return $"every {everyHours} hours at minute {minute}";
        }

        if (!int.TryParse(hour, CultureInfo.InvariantCulture, out var h))
        {
            return null;
        }

        var at = $"at {h:00}:{minute:00}";
        if (anyDay)
        {
            return $"every day {at}";
        }

        if (dom is "*" or "?" && Days(dow) is { } days)
        {
            return $"{days} {at}";
        }

        return dow is "*" or "?" && int.TryParse(dom, CultureInfo.InvariantCulture, out var day) ? $"on day {day} of each month {at}" : null;
    }

    /// <summary>The next <paramref name="count"/> run times after <paramref name="after"/>, in the schedule's zone ("Mon 2026-12-07 02:30").</summary>
    public static IReadOnlyList<string> NextRuns(string? expression, string timeZone, DateTimeOffset after, int count = 5)
    {
        if (!CronSchedule.TryParse(expression, timeZone, out var schedule, out _, out _) || !CronSchedule.TryFindZone(timeZone, out var zone))
        {
            return [];
        }

        var runs = new List<string>();
        for (var next = schedule!.NextAfter(after); next is { } at && runs.Count < count; next = schedule.NextAfter(at))
        {
            runs.Add(TimeZoneInfo.ConvertTime(at, zone).ToString("ddd yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
        }

        return runs;
    }

    private static int? Step(string field) =>
        StepPattern().Match(field) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    /// <summary>"Mon–Fri", "Sat, Sun"; days are Quartz's (1 = Sunday) or names.</summary>
    private static string? Days(string field)
    {
        var names = new List<string>();
        foreach (var part in field.Split(','))
        {
            var range = part.Split('-');
            if (range.Length > 2 || range.Select(Day).Any(d => d is null))
            {
                return null;
            }

            names.Add(range.Length == 1 ? DayNames[Day(range[0])!.Value] : $"{DayNames[Day(range[0])!.Value]}–{DayNames[Day(range[1])!.Value]}");
        }

        return "on " + string.Join(", ", names);
    }

    private static int? Day(string text) =>
        int.TryParse(text, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 7 ? n - 1
        : Array.FindIndex(DayNames, d => d.Equals(text, StringComparison.OrdinalIgnoreCase)) is var i and >= 0 ? i : null;

    [GeneratedRegex(@"^(?:\*|0)/(\d+)$")]
    private static partial Regex StepPattern();
}

/// <summary>What the schedule preview shows: the expression as typed, the zone, and the time it counts from.</summary>
internal sealed record SchedulePreview(string? Expression, string TimeZone, DateTimeOffset Now);
