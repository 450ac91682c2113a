namespace RestikManager.Contracts.Files;

/// <summary>
/// Files only their owner may read (secret keys, credentials, sealed state), written all at once: a temporary file,
/// fsync, then a rename into place. Server and agent both keep their secrets this way.
/// </summary>
public static class OwnerOnlyFile
{
    /// <summary>Creates <paramref name="dir"/> (and parents) with owner-only permissions on Unix.</summary>
    public static void CreateDirectory(string dir)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dir);
        }
        else
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>; see <see cref="Write(string, Action{Stream}, bool)"/>.</summary>
    public static void Write(string path, byte[] bytes, bool overwrite) => Write(path, stream => stream.Write(bytes), overwrite);

    /// <summary>
    /// Writes what <paramref name="write"/> writes to <paramref name="path"/>, creating its directory owner-only. With
    /// <paramref name="overwrite"/> false an existing file is never replaced (the move fails), so two writers cannot both win.
    /// </summary>
    public static void Write(string path, Action<Stream> write, bool overwrite = true)
    {
        ArgumentNullException.ThrowIfNull(write);
        CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
