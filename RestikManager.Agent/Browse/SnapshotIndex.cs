using System.Text;
using Microsoft.Win32.SafeHandles;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Browse;

/// <summary>
/// One snapshot's directory listing on disk, so a page of any directory is a few reads however large the snapshot.
/// restic 0.14's <c>ls</c> loads every sibling subtree on its way down (thousands of tree loads in a wide tree);
/// this index is built once from a full <c>ls</c> and then answers without restic.
/// Files: <c>entries.bin</c> (length-prefixed records in walk order), <c>order.bin</c> (record offsets grouped by
/// parent directory, in name order), <c>dirs.bin</c> (per directory: FNV-1a hash of its path, first position in
/// order.bin, child count; sorted by hash).
/// </summary>
internal sealed class SnapshotIndex(string dir)
{
    private const int DirRecord = 16;
    private const int MaxEntryBytes = 1 << 20;

    /// <summary>Whether a complete index is in <paramref name="dir"/> (it is moved into place only when whole).</summary>
    public static bool Exists(string dir) => File.Exists(Path.Join(dir, "dirs.bin"));

    /// <summary>
    /// A page of <paramref name="path"/>'s children; an unknown path has none. Throws IOException or
    /// InvalidDataException if the index is damaged or removed meanwhile (the caller then asks restic).
    /// </summary>
    public (List<TreeEntry> Entries, bool More) List(string path, int offset, int limit)
    {
        using var dirs = File.OpenHandle(Path.Join(dir, "dirs.bin"));
        if (Find(dirs, Hash(path)) is not { } found || offset >= found.Count)
        {
            return ([], false);
        }

        var (start, count) = found;
        var take = Math.Min(limit, count - offset);
        using var order = File.OpenHandle(Path.Join(dir, "order.bin"));
        using var entries = File.OpenHandle(Path.Join(dir, "entries.bin"));
        var positions = new byte[take * 8];
        RandomAccess.Read(order, positions, (start + (long)offset) * 8);
        var list = new List<TreeEntry>(take);
        for (var i = 0; i < take; i++)
        {
            list.Add(ReadEntry(entries, BitConverter.ToInt64(positions, i * 8), path));
        }

        return (list, offset + take < count);
    }

    /// <summary>Writes an index from the nodes of a full <c>ls</c>, added in walk order.</summary>
    public sealed class Builder : IDisposable
    {
        private readonly string _target;
        private readonly FileStream _entries;
        private readonly BinaryWriter _writer;
        private readonly List<long> _offsets = [];
        private readonly List<int> _parents = [];
        private readonly List<ulong> _dirHashes = [Hash("/")];
        private readonly Stack<(string Path, int Id)> _open = new([("/", 0)]);

        public Builder(string target)
        {
            _target = target;
            Directory.CreateDirectory(target);
            _entries = new FileStream(Path.Join(target, "entries.bin"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            _writer = new BinaryWriter(_entries, Encoding.UTF8);
        }

        public int Count => _offsets.Count;

        /// <summary>Adds a node; false if it does not fit the walk (not under a directory seen on the way down).</summary>
        public bool Add(string path, string name, string type, long? size, DateTimeOffset? mtime, string? permissions)
        {
            var parent = Parent(path);
            while (_open.Count > 0 && _open.Peek().Path != parent)
            {
                _open.Pop();
            }

            if (_open.Count == 0)
            {
                return false;
            }

            _offsets.Add(_entries.Position);
            _parents.Add(_open.Peek().Id);
            WriteEntry(_writer, name, type, size, mtime, permissions);
            if (type == "dir")
            {
                _open.Push((path, _dirHashes.Count));
                _dirHashes.Add(Hash(path));
            }

            return true;
        }

        /// <summary>Groups the entries by directory and writes order.bin and dirs.bin (dirs.bin last: it marks completion).</summary>
        public void Complete()
        {
            _writer.Flush();
            _entries.Dispose();
            // (parent, walk position) in one key: sorting it groups by directory and keeps each group in walk (name) order.
            var keys = new long[_offsets.Count];
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = ((long)_parents[i] << 32) | (uint)i;
            }

            Array.Sort(keys);
            var starts = new int[_dirHashes.Count];
            var counts = new int[_dirHashes.Count];
            using (var order = new BinaryWriter(new FileStream(Path.Join(_target, "order.bin"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16)))
            {
                for (var i = 0; i < keys.Length; i++)
                {
                    var parent = (int)(keys[i] >> 32);
                    if (counts[parent]++ == 0)
                    {
                        starts[parent] = i;
                    }

                    order.Write(_offsets[(int)(keys[i] & 0xffffffff)]);
                }
            }

            var table = Enumerable.Range(0, _dirHashes.Count).Select(d => (Hash: _dirHashes[d], Start: starts[d], Count: counts[d]))
                .OrderBy(d => d.Hash).ToList();
            using var dirs = new BinaryWriter(new FileStream(Path.Join(_target, "dirs.bin"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16));
            foreach (var (hash, start, count) in table)
            {
                dirs.Write(hash);
                dirs.Write(start);
                dirs.Write(count);
            }
        }

        public void Dispose()
        {
            _writer.Dispose();
            _entries.Dispose();
        }
    }

    /// <summary>FNV-1a (64-bit) of the path's UTF-8 bytes: the key of a directory in dirs.bin.</summary>
    public static ulong Hash(string path)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(path))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    /// <summary>The directory holding <paramref name="path"/> ("/" for a top-level entry).</summary>
    public static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    private static (int Start, int Count)? Find(SafeFileHandle dirs, ulong hash)
    {
        var record = new byte[DirRecord];
        long low = 0, high = (RandomAccess.GetLength(dirs) / DirRecord) - 1;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            RandomAccess.Read(dirs, record, mid * DirRecord);
            var found = BitConverter.ToUInt64(record, 0);
            if (found == hash)
            {
                return (BitConverter.ToInt32(record, 8), BitConverter.ToInt32(record, 12));
            }

            if (found < hash)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return null;
    }

    private static void WriteEntry(BinaryWriter writer, string name, string type, long? size, DateTimeOffset? mtime, string? permissions)
    {
        using var body = new MemoryStream();
        using (var record = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            record.Write(name);
            record.Write(type);
            record.Write(size ?? -1);
            record.Write(mtime?.UtcTicks ?? -1);
            record.Write((short)(mtime?.Offset.TotalMinutes ?? 0));
            record.Write(permissions ?? "");
        }

        writer.Write((int)body.Length);
        writer.Write(body.GetBuffer(), 0, (int)body.Length);
    }

    private static TreeEntry ReadEntry(SafeFileHandle entries, long position, string parent)
    {
        var length = new byte[4];
        RandomAccess.Read(entries, length, position);
        var size = BitConverter.ToInt32(length);
        if (size is < 0 or > MaxEntryBytes)
        {
            throw new InvalidDataException($"damaged browse index entry at {position}");
        }

        var body = new byte[size];
        RandomAccess.Read(entries, body, position + 4);
        using var reader = new BinaryReader(new MemoryStream(body), Encoding.UTF8);
        var name = reader.ReadString();
        var type = reader.ReadString();
        var bytes = reader.ReadInt64();
        var ticks = reader.ReadInt64();
        var offset = reader.ReadInt16();
        var permissions = reader.ReadString();
        return new TreeEntry(name, type, parent == "/" ? "/" + name : parent + "/" + name, bytes < 0 ? null : bytes,
            ticks < 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offset)),
            permissions.Length == 0 ? null : permissions);
    }
}
