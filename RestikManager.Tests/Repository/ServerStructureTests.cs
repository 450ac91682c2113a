using System.Text.RegularExpressions;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Repository;

/// <summary>
/// The server's feature folders depend on each other one way only (features publish events; pages, alerts and metrics
/// read), and docs/architecture.md names every folder. A folder "uses" another when one of its files names the other's
/// namespace (<c>using RestikManager.Server.X</c>, or <c>X.Type</c> from inside the server's namespace).
/// </summary>
public sealed partial class ServerStructureTests
{
    private static readonly string Server = RepoPaths.Of("RestikManager.Server");

    private static IReadOnlyList<string> Folders() =>
        [.. Directory.GetDirectories(Server).Select(Path.GetFileName).OfType<string>()
            .Where(f => f is not ("bin" or "obj" or "wwwroot" or "Properties")).Order(StringComparer.Ordinal)];

    private static Dictionary<string, HashSet<string>> Uses()
    {
        var folders = Folders();
        var uses = folders.ToDictionary(f => f, _ => new HashSet<string>(StringComparer.Ordinal));
        foreach (var folder in folders)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Join(Server, folder), "*.*", SearchOption.AllDirectories)
                         .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".cshtml", StringComparison.Ordinal)))
            {
                var text = LineComment().Replace(File.ReadAllText(file), "");
                foreach (var other in folders.Where(o => o != folder))
                {
                    if (text.Contains($"RestikManager.Server.{other}", StringComparison.Ordinal)
                        || Regex.IsMatch(text, $@"(?<![\w.]){other}\.[A-Z]\w+"))
                    {
                        uses[folder].Add(other);
                    }
                }
            }
        }

        return uses;
    }

    [Fact]
    public void NoTwoFoldersOfTheServerUseEachOther()
    {
        var uses = Uses();
        var both = uses.SelectMany(a => a.Value.Where(b => string.CompareOrdinal(a.Key, b) < 0 && uses[b].Contains(a.Key)).Select(b => $"{a.Key} <-> {b}")).ToList();

        both.ShouldBeEmpty("publish a domain event (Events/) or invert the call through an interface the used folder owns");
        uses["Hosting"].Count.ShouldBeGreaterThan(10, "the check reads the folders (Hosting composes every feature)");
    }

    [Fact]
    public void TheArchitectureMapNamesEveryFolderOfTheServer()
    {
        var map = File.ReadAllText(RepoPaths.Of("docs", "architecture.md"));

        Folders().Where(f => !map.Contains($"| `{f}/` |", StringComparison.Ordinal)).ShouldBeEmpty("folders missing from docs/architecture.md's server table");
    }

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();
}
