using System.Globalization;
using System.Text.RegularExpressions;

namespace RestikManager.Contracts.Protocol;

/// <summary>
/// A check's <c>--read-data-subset</c>: a percentage (<c>5%</c>, <c>2.5%</c>; more than 0, at most 100) or a size
/// (<c>500M</c>, <c>2G</c>; K, M, G or T), so that a repository's packs are read a part at a time. Checked by the server
/// where it comes in and again by the agent before it reaches restic's command line.
/// </summary>
public static partial class ReadDataSubset
{
    public static bool IsValid(string? value) => Problem(value) is null;

    /// <summary>Why <paramref name="value"/> is not a subset, or null when it is one.</summary>
    public static string? Problem(string? value)
    {
        if (value is null || Pattern().Match(value) is not { Success: true } match)
        {
            return "a percentage such as 5% or a size such as 500M (K, M, G or T)";
        }

        if (match.Groups["percent"].Success)
        {
            var percent = double.Parse(match.Groups["percent"].Value, CultureInfo.InvariantCulture);
            return percent is > 0 and <= 100 ? null : "a percentage is more than 0% and at most 100%";
        }

        return long.TryParse(match.Groups["size"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0
            ? null : "a size is a whole number above 0 followed by K, M, G or T";
    }

    [GeneratedRegex(@"^(?:(?<percent>\d{1,3}(?:\.\d{1,3})?)%|(?<size>\d{1,9})[KMGT])$")]
    private static partial Regex Pattern();
}
