using System.Text.RegularExpressions;

namespace RestikManager.Tests.Infrastructure;

/// <summary>What agents' logs say about the jobs they ran.</summary>
internal static partial class AgentLog
{
    /// <summary>Ids of the <paramref name="kind"/> jobs the agent said it finished, in order.</summary>
    public static List<string> EndedJobs(IEnumerable<string> lines, string kind) =>
        [.. lines.Select(l => EndedLine().Match(l)).Where(m => m.Success && m.Groups[2].Value == kind).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"Job ([0-9a-f]{32}) \((\w+)\) ended")]
    private static partial Regex EndedLine();
}
