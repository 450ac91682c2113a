namespace RestikManager.Agent.Drills;

/// <summary>A file of a snapshot as <c>restic ls</c> lists it: its path in the snapshot and its recorded size.</summary>
internal sealed record SnapshotFile(string Path, long Size)
{
    public int Depth => Path.Count(c => c == '/');
}

/// <summary>
/// Picks a drill's files from a snapshot's listing in one pass and bounded memory, however many files it lists: the
/// largest file that fits <c>maxBytes</c>, the deepest one, and the rest at random (a reservoir), all together at most
/// <c>files</c> files and <c>maxBytes</c> bytes, so the drill's scratch directory never holds more than that.
/// </summary>
internal sealed class DrillSample(int files, long maxBytes, Random random)
{
    private readonly List<SnapshotFile> _reservoir = [];
    private long _seen;

    public SnapshotFile? Largest { get; private set; }

    public SnapshotFile? Deepest { get; private set; }

    public void Add(SnapshotFile file)
    {
        if (file.Size > maxBytes)
        {
            return;
        }

        if (Largest is null || file.Size > Largest.Size)
        {
            Largest = file;
        }

        if (Deepest is null || file.Depth > Deepest.Depth)
        {
            Deepest = file;
        }

        // Algorithm R: after n files, each is in the reservoir with probability files/n.
        _seen++;
        if (_reservoir.Count < files)
        {
            _reservoir.Add(file);
        }
        else if (random.NextInt64(_seen) is var slot && slot < files)
        {
            _reservoir[(int)slot] = file;
        }
    }

    /// <summary>The sample: the largest, the deepest, then the random ones, while the count and the byte budget allow.</summary>
    public IReadOnlyList<SnapshotFile> Choose()
    {
        var chosen = new List<SnapshotFile>();
        var paths = new HashSet<string>(StringComparer.Ordinal);
        long bytes = 0;
        foreach (var file in new[] { Largest, Deepest }.Concat(_reservoir))
        {
            if (file is null || chosen.Count >= files || bytes + file.Size > maxBytes || !paths.Add(file.Path))
            {
                continue;
            }

            chosen.Add(file);
            bytes += file.Size;
        }

        return chosen;
    }
}
