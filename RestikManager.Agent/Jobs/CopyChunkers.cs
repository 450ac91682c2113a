using System.Text.RegularExpressions;
using RestikManager.Agent.Restic;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Jobs;

/// <summary>
/// Whether a copy's two repositories split files the same way: restic copies between repositories with different
/// chunker parameters, but the copied data then deduplicates worse against the target's own. Read from each
/// repository's <c>restic cat config</c> (its <c>chunker_polynomial</c>); the source is opened with the
/// <c>RESTIC_FROM_*</c> values the server gave the job.
/// </summary>
internal static partial class CopyChunkers
{
    public const string Note =
        "the two repositories were not created with the same chunker parameters: restic copied the snapshots, but they " +
        "deduplicate worse in the target; a target initialised with the source's chunker parameters avoids this";

    /// <summary>The note when both polynomials were read and differ; null when they match or either could not be read.</summary>
    public static async Task<string?> NoteAsync(ResticRunner restic, RepositoryAccess target, CancellationToken stop)
    {
        if (!target.Environment.TryGetValue("RESTIC_FROM_REPOSITORY", out var sourceUrl) || !target.Environment.TryGetValue("RESTIC_FROM_PASSWORD", out var sourcePassword))
        {
            return null;
        }

        var sourceEnv = target.Environment.Where(e => !e.Key.StartsWith("RESTIC_FROM_", StringComparison.Ordinal)).ToDictionary(StringComparer.Ordinal);
        sourceEnv["RESTIC_PASSWORD"] = sourcePassword;
        var source = new RepositoryAccess(target.Id, sourceUrl, sourceEnv);
        var theirs = await PolynomialAsync(restic, source, stop);
        var ours = await PolynomialAsync(restic, target with { Environment = target.Environment.Where(e => !e.Key.StartsWith("RESTIC_FROM_", StringComparison.Ordinal)).ToDictionary(StringComparer.Ordinal) }, stop);
        return theirs is not null && ours is not null && theirs != ours ? Note : null;
    }

    private static async Task<string?> PolynomialAsync(ResticRunner restic, RepositoryAccess repository, CancellationToken stop)
    {
        var step = await restic.RunAsync(["cat", "config"], repository, null, stop);
        return step.ExitCode == 0 && Polynomial().Match(step.Text) is { Success: true } match ? match.Groups[1].Value : null;
    }

    [GeneratedRegex("\"chunker_polynomial\":\\s*\"([0-9a-f]+)\"")]
    private static partial Regex Polynomial();
}
