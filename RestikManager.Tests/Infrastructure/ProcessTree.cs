using System.Globalization;
using System.Runtime.InteropServices;

namespace RestikManager.Tests.Infrastructure;

/// <summary>Kills a process and all its descendants the way a service manager does (Linux, through /proc).</summary>
internal static partial class ProcessTree
{
    /// <summary>
    /// SIGSTOP to the whole tree (so nothing acts on its parent's death), SIGKILL to all, then waits up to 10 s until
    /// every one is gone (reaped), not merely killed: until then restic would still see a killed restic's lock as live.
    /// </summary>
    public static void KillAndWait(int root)
    {
        // Collect the whole tree first: once the parent is dead its children belong to init and cannot be found.
        var tree = new List<int> { root };
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(ChildrenOf(tree[i]));
        }

        foreach (var pid in tree)
        {
            _ = kill(pid, 19);
        }

        foreach (var pid in tree)
        {
            _ = kill(pid, 9);
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (tree.Any(pid => Directory.Exists($"/proc/{pid}")) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }
    }

    private static IEnumerable<int> ChildrenOf(int pid)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var candidate))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Join(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }

            // pid (comm) state ppid …; comm may hold spaces and parentheses: read after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 1 && int.Parse(fields[1], CultureInfo.InvariantCulture) == pid)
            {
                yield return candidate;
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
