using System.Security.Cryptography;

namespace RestikManager.Tests.Infrastructure;

/// <summary>What a directory holds (relative path, mode, content hash), to prove that nothing changed.</summary>
internal static class DirectorySnapshot
{
    public static IReadOnlyList<string> Take(string path)
    {
        if (File.Exists(path))
        {
            return [$"(file) {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))}"];
        }

        if (!Directory.Exists(path))
        {
            return ["(missing)"];
        }

        return [.. Directory.EnumerateFileSystemEntries(path, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(entry =>
            {
                var mode = OperatingSystem.IsWindows() ? "" : File.GetUnixFileMode(entry).ToString();
                var hash = File.Exists(entry) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry))) : "dir";
                return $"{System.IO.Path.GetRelativePath(path, entry)} {mode} {hash}";
            })];
    }
}
