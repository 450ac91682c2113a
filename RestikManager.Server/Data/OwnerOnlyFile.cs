namespace RestikManager.Server.Data;

/// <summary>Writes a file readable by its owner only, all at once: temporary file, fsync, rename into place.</summary>
internal static class OwnerOnlyFile
{
    /// <summary>
    /// Writes <paramref name="bytes"/> to <paramref name="path"/>. With <paramref name="overwrite"/> false an
    /// existing file is never replaced (the move fails), so two writers cannot both win.
    /// </summary>
    public static void Write(string path, ReadOnlySpan<byte> bytes, bool overwrite)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temp, options))
            {
                stream.Write(bytes);
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
