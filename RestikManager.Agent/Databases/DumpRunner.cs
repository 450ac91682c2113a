using RestikManager.Agent.Hooks;
using RestikManager.Agent.Restic;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Databases;

/// <summary>
/// Backs up one database source as its own snapshot: the dump's stdout streamed into <c>restic backup --stdin</c>, tagged
/// with the plan and <c>rm-db:&lt;name&gt;</c>. A dump that exits non-zero (or is killed) never becomes a snapshot: restic's
/// stdin is not closed but restic is interrupted, so it saves nothing of what it read (restic 0.14 would otherwise keep
/// a truncated dump). SQLite is copied with its online backup (<c>sqlite3 .backup</c>) into the agent's state directory,
/// then streamed and removed: the backup API writes a database file, not a stream.
/// </summary>
internal sealed class DumpRunner(ResticRunner restic, string dumpsDir, TimeProvider time)
{
    public const string TagPrefix = "rm-db:";

    /// <summary>How one source's dump went. <see cref="Failure"/> set: it failed (<see cref="ErrorClass"/> says how).</summary>
    public sealed record Outcome(DumpResult Dump, HookRun Run, string? ErrorClass, string? Failure, bool Stopped);

    public async Task<Outcome> RunAsync(
        JobSpec job, Allowlist.Resolved source, RepositoryAccess repository, HookRunner.Facts facts, IReadOnlyCollection<string> secrets,
        Action<JobProgress> progress, CancellationToken stop)
    {
        var (name, entry) = (source.Name, source.Entry);
        var filename = entry.DumpFilename(name);
        DumpCommand.Command command;
        string? staged = null;
        try
        {
            if (entry.Kind == AllowlistKinds.Sqlite)
            {
                // sqlite3 would create a missing database and back up its emptiness.
                if (!File.Exists(entry.Path))
                {
                    return Failed(name, filename, $"{entry.Path} does not exist");
                }

                Directory.CreateDirectory(dumpsDir);
                staged = Path.Join(dumpsDir, $"{job.JobId}-{name}.sqlite3");
                command = new DumpCommand.Command(["sqlite3", "-bail", "-cmd", ".timeout 60000", entry.Path!, $".backup '{staged}'"], [], []);
            }
            else
            {
                command = DumpCommand.For(entry);
            }
        }
        catch (IOException e)
        {
            return Failed(name, filename, $"cannot read {entry.PasswordFile}: {e.Message}");
        }

        var tail = new OutputTail([.. secrets, .. command.Secrets]);
        var info = HookProcess.StartInfo(command.Argv, entry with { Env = Merge(entry.Env, command.Environment) }, facts.Environment(HookPhases.Dump));
        var timeout = entry.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        long bytes = 0;
        HookProcess.Outcome? dumped = null;
        var output = new JobOutput(job, time, progress);
        // When restic stops reading (it failed), the dump is stopped rather than read to its end for nothing.
        using var dumpStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        try
        {
            var step = await restic.RunPipedAsync(ResticArguments.StdinBackup(job, filename, TagPrefix + name), repository, output.OnJson, stop,
                stdin: async resticInput =>
                {
                    if (staged is null)
                    {
                        dumped = await HookProcess.RunAsync(info, timeout, tail, dumpStop.Token, stdout: async dump =>
                        {
                            bytes = await Pipe.CopyAsync(dump, resticInput, drain: false);
                            if (bytes < 0)
                            {
                                await dumpStop.CancelAsync();
                            }
                        });
                        return dumped.Succeeded && bytes >= 0;
                    }

                    dumped = await HookProcess.RunAsync(info, timeout, tail, stop);
                    if (!dumped.Succeeded)
                    {
                        return false;
                    }

                    await using var copy = File.OpenRead(staged);
                    bytes = await Pipe.CopyAsync(copy, resticInput);
                    return bytes >= 0;
                });
            var run = new HookRun(name, HookPhases.Dump, dumped?.ExitCode, (long)(dumped?.Duration.TotalMilliseconds ?? 0), tail.ToString(), dumped?.TimedOut ?? false);
            var result = new DumpResult(name, filename, null, Math.Max(bytes, 0));
            if (stop.IsCancellationRequested)
            {
                return new Outcome(result, run, JobErrors.Interrupted, $"the dump of '{name}' was stopped with the job; no snapshot of it was kept", true);
            }

            if (bytes < 0 || dumped is null && step.ExitCode != 0)
            {
                // restic failed first (a wrong password, a missing repository): its error is the job's.
                return new Outcome(result with { Bytes = 0 }, run, step.ErrorClass,
                    $"restic could not store the dump of '{name}', which was stopped: {step}", false);
            }

            if (dumped is not { Succeeded: true })
            {
                var why = dumped is null ? "it did not start"
                    : dumped.TimedOut ? "it was killed at its timeout"
                    : dumped.ExitCode is { } code ? $"it exited with {code}" : "it could not start";
                return new Outcome(result, run, JobErrors.DumpFailed, $"the dump of '{name}' failed ({why}); no snapshot of it was kept", false);
            }

            if (step.ExitCode != 0)
            {
                return new Outcome(result, run, step.ErrorClass, $"restic could not store the dump of '{name}': {step}", step.Cancelled);
            }

            var snapshot = output.SnapshotId is { } printed ? await restic.FullSnapshotIdAsync(repository, printed, stop) : null;
            return new Outcome(result with { SnapshotId = snapshot }, run, null, null, false);
        }
        finally
        {
            if (staged is not null)
            {
                File.Delete(staged);
            }
        }
    }

    private static Outcome Failed(string name, string filename, string why) =>
        new(new DumpResult(name, filename, null, 0), new HookRun(name, HookPhases.Dump, null, 0, why), JobErrors.DumpFailed,
            $"the dump of '{name}' failed: {why}; no snapshot of it was kept", false);

    private static Dictionary<string, string> Merge(Dictionary<string, string>? first, Dictionary<string, string> second)
    {
        var merged = new Dictionary<string, string>(first ?? [], StringComparer.Ordinal);
        foreach (var (key, value) in second)
        {
            merged[key] = value;
        }

        return merged;
    }

    /// <summary>Removes SQLite copies an agent killed mid-backup left behind.</summary>
    public static void RemoveLeftovers(string dumpsDir)
    {
        if (Directory.Exists(dumpsDir))
        {
            foreach (var file in Directory.EnumerateFiles(dumpsDir))
            {
                File.Delete(file);
            }
        }
    }
}

/// <summary>Copying a stream into a pipe, counting bytes.</summary>
internal static class Pipe
{
    /// <summary>
    /// Copies everything; the bytes copied, or -1 when the reader went away (its exit says why). With
    /// <paramref name="drain"/>, the rest of the source is then read and dropped, so that the writing process is not left
    /// blocked on a full pipe (a caller that stops the writer itself passes false).
    /// </summary>
    public static async Task<long> CopyAsync(Stream from, Stream to, bool drain = true)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await from.ReadAsync(buffer)) > 0)
        {
            try
            {
                await to.WriteAsync(buffer.AsMemory(0, read));
                total += read;
            }
            catch (IOException)
            {
                if (drain)
                {
                    await from.CopyToAsync(Stream.Null);
                }

                return -1;
            }
        }

        await to.FlushAsync();
        return total;
    }
}
