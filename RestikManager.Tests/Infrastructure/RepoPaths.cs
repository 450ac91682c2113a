namespace RestikManager.Tests.Infrastructure;

/// <summary>Paths inside the repository the tests run from.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Of(params string[] parts) => Path.Join([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Join(dir.FullName, "RestikManager.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no RestikManager.sln above {AppContext.BaseDirectory}");
    }
}
