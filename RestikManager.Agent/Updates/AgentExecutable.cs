namespace RestikManager.Agent.Updates;

/// <summary>
/// Where the running agent's executable is, and the two files an update puts beside it: the downloaded candidate
/// (<c>.new</c>) and the binary it replaced (<c>.previous</c>, kept for a manual roll-back).
/// </summary>
internal sealed record AgentExecutable(string Path)
{
    public string Candidate => Beside("new");

    public string Previous => Beside("previous");

    /// <summary>
    /// The running executable when it can replace itself: a published single-file agent. Under <c>dotnet</c> (a
    /// development build) there is no file of ours to replace, and the reason says so.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("SingleFile", "IL3000",
        Justification = "The empty location is the point: it is how a single-file bundle is told from a development build.")]
    public static AgentExecutable? Current(out string? reason)
    {
        var path = Environment.ProcessPath;
        // A single-file bundle has no assembly files on disk: its assemblies report an empty location.
        if (path is null || !string.IsNullOrEmpty(typeof(AgentExecutable).Assembly.Location))
        {
            reason = "this agent is not a published single-file executable (a development build); update it by hand";
            return null;
        }

        reason = null;
        return new AgentExecutable(path);
    }

    /// <summary>
    /// Puts the verified candidate in place of the running executable and keeps the running one as
    /// <see cref="Previous"/>. Linux: a copy, then one rename over the path (atomic; the running process keeps its
    /// inode). Windows: a running executable cannot be overwritten but can be renamed, so two renames.
    /// </summary>
    public void Replace()
    {
        if (OperatingSystem.IsWindows())
        {
            File.Move(Path, Previous, overwrite: true);
            File.Move(Candidate, Path);
        }
        else
        {
            File.Copy(Path, Previous, overwrite: true);
            File.SetUnixFileMode(Candidate, File.GetUnixFileMode(Path));
            File.Move(Candidate, Path, overwrite: true);
        }
    }

    private string Beside(string what) =>
        Path.EndsWith(".exe", StringComparison.OrdinalIgnoreCase) ? $"{Path[..^4]}.{what}.exe" : $"{Path}.{what}";
}
