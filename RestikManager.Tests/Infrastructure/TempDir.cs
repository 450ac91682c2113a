namespace RestikManager.Tests.Infrastructure;

/// <summary>A fresh directory under the system temp folder, removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "rm-test")
    {
        Path = System.IO.Path.Join(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    private TempDir(string path, bool owned)
    {
        Path = path;
        _owned = owned;
    }

    private readonly bool _owned = true;

    public string Path { get; }

    /// <summary>A directory that is not the test's: read through the same helpers, never removed.</summary>
    public static TempDir Existing(string path) => new(System.IO.Path.GetFullPath(path), owned: false);

    public string Of(params string[] parts) => System.IO.Path.Join([Path, .. parts]);

    /// <summary>Writes <paramref name="content"/> at <paramref name="relative"/>, creating folders.</summary>
    public string Write(string relative, string content)
    {
        var file = Of(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content);
        return file;
    }

    public void Dispose()
    {
        if (!_owned)
        {
            return;
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
