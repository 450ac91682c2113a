namespace RestikManager.Tests.Infrastructure;

/// <summary>
/// Where the browser tests leave their pictures of the pages: <c>screenshots/</c> beside the test binaries
/// (<c>RM_SCREENSHOTS_DIR</c> overrides it; docs/screenshots is refreshed from there, see docs/screenshots/README.md).
/// </summary>
internal static class Screenshots
{
    public static string Path(string name)
    {
        var dir = Environment.GetEnvironmentVariable("RM_SCREENSHOTS_DIR") is { Length: > 0 } set ? set : System.IO.Path.Join(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(dir);
        return System.IO.Path.Join(dir, name);
    }
}
