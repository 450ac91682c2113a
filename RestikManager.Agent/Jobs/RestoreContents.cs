namespace RestikManager.Agent.Jobs;

/// <summary>
/// "Restore the folder's contents into target": restic 0.14 restores a path only under its original absolute path
/// (<c>target/srv/data/…</c>; the <c>snapshot:subfolder</c> form came later), so the agent restores into a staging
/// directory inside the target, moves the folder's contents up into the target (renames on one file system,
/// replacing files of the same name as restic would), and removes the staging directory whatever happened.
/// </summary>
internal static class RestoreContents
{
    /// <summary>Where restic restores to for <paramref name="job"/>: a staging directory inside its target.</summary>
    public static string StagingDir(string target, string jobId) => Path.Join(target, ".restic-manager-restore-" + jobId);

    /// <summary>Moves what restic restored of <paramref name="includePath"/> into <paramref name="target"/>.</summary>
    public static void Finish(string staging, string includePath, string target)
    {
        var restored = Path.Join(staging, InSnapshot(includePath));
        if (Directory.Exists(restored))
        {
            MoveInto(restored, target);
        }
        else if (File.Exists(restored))
        {
            File.Move(restored, Path.Join(target, Path.GetFileName(restored)), overwrite: true);
        }
    }

    /// <summary>Removes the staging directory (and whatever is left in it); links in it are removed, never followed.</summary>
    public static void Discard(string staging)
    {
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    // How restic lays out a path under its target: "/srv/data" as is; Windows "C:\Data" as "C/Data".
    private static string InSnapshot(string path) =>
        path.Length >= 2 && path[1] == ':' ? path[0] + path[2..].Replace('\\', '/') : path;

    private static void MoveInto(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            var destination = Path.Join(to, entry.Name);
            var isRealDirectory = entry is DirectoryInfo && entry.LinkTarget is null;
            if (isRealDirectory && Directory.Exists(destination) && new DirectoryInfo(destination).LinkTarget is null)
            {
                MoveInto(entry.FullName, destination);
            }
            else if (Directory.Exists(destination) && new DirectoryInfo(destination).LinkTarget is null)
            {
                // A file or link where the target holds a real directory: the directory is kept (nothing is deleted
                // wholesale); the restored entry goes with the staging directory.
                continue;
            }
            else
            {
                if (File.Exists(destination) || new FileInfo(destination).LinkTarget is not null)
                {
                    File.Delete(destination);
                }

                if (entry is DirectoryInfo directory)
                {
                    directory.MoveTo(destination);
                }
                else
                {
                    File.Move(entry.FullName, destination);
                }
            }
        }
    }
}
