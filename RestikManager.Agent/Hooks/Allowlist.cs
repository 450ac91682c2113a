using System.Text.Json;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Hooks;

/// <summary>
/// The host's allowlist: the folder of <c>&lt;name&gt;.json</c> entries that says what plans may run here. The agent reads
/// an entry afresh each time it runs one, and trusts it only when the folder and the file are safe
/// (<see cref="FileSafety"/>): the server can name an entry, never write or change one.
/// </summary>
internal sealed class Allowlist(string directory)
{
    public static string DefaultDirectory => OperatingSystem.IsWindows()
        ? System.IO.Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "restic-manager", "hooks.d")
        : "/etc/restic-manager/hooks.d";

    public string Directory { get; } = directory;

    /// <summary>An entry the agent may run, by name.</summary>
    public sealed record Resolved(string Name, AllowEntry Entry);

    /// <summary>Every entry, with why it cannot run where it cannot: what the hello reports. No folder: none.</summary>
    public IReadOnlyList<AllowedEntry> Report()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        var folder = FileSafety.Problem(Directory, directory: true);
        var entries = new List<AllowedEntry>();
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.json").Order(StringComparer.Ordinal).Take(MessageRules.MaxAllowlist))
        {
            var name = System.IO.Path.GetFileNameWithoutExtension(file);
            if (!WireValues.IsAllowName(name))
            {
                continue;
            }

            var (entry, problem) = Read(name);
            var kind = entry?.Kind is { } k && AllowlistKinds.All.Contains(k) ? k : AllowlistKinds.Hook;
            entries.Add(new AllowedEntry(name, kind, folder is not null ? $"the folder {Directory}: {folder}" : problem));
        }

        return entries;
    }

    /// <summary>The entry named <paramref name="name"/> of one of <paramref name="kinds"/>, or why it may not run.</summary>
    public (Resolved? Entry, string? Problem) Resolve(string name, params string[] kinds)
    {
        if (!WireValues.IsAllowName(name))
        {
            return (null, $"'{name}' is not an allowlist name");
        }

        if (FileSafety.Problem(Directory, directory: true) is { } folder)
        {
            return (null, $"'{name}' is not allowed on this host: the folder {Directory}: {folder}");
        }

        var (entry, problem) = Read(name);
        if (entry is null || problem is not null)
        {
            return (null, $"'{name}' is not allowed on this host: {problem}");
        }

        return kinds.Contains(entry.Kind)
            ? (new Resolved(name, entry), null)
            : (null, $"'{name}' is a {entry.Kind} entry on this host, not {string.Join(" or ", kinds)}");
    }

    private (AllowEntry? Entry, string? Problem) Read(string name)
    {
        var path = System.IO.Path.Join(Directory, name + ".json");
        if (FileSafety.Problem(path, directory: false) is { } unsafeFile)
        {
            return (null, $"{path}: {unsafeFile}");
        }

        try
        {
            var entry = JsonSerializer.Deserialize(File.ReadAllBytes(path), AllowEntryJsonContext.Default.AllowEntry);
            return entry is null ? (null, $"{path} is empty") : (entry, entry.Problem(name) is { } bad ? $"{path}: {bad}" : null);
        }
        catch (JsonException e)
        {
            return (null, $"{path} is not a valid entry: {e.Message}");
        }
        catch (IOException e)
        {
            return (null, $"{path} cannot be read: {e.Message}");
        }
    }
}
