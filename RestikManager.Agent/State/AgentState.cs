using System.Text.Json;
using System.Text.Json.Serialization;
using RestikManager.Contracts.Files;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.State;

/// <summary>A job the agent has started and not yet finished; left behind only if the agent died meanwhile.</summary>
internal sealed record RunningMarker(JobSpec Job, RepositoryAccess Repository, DateTimeOffset StartedAt);

/// <summary>
/// The agent's state directory (owner-only): <c>outbox/</c> results not yet acknowledged by the server,
/// <c>running/</c> markers of jobs in progress, <c>deferred/</c> jobs that arrived while the agent replaced itself (they
/// start when it is back), <c>update-failed.json</c> (the last update that did not happen), <c>plans.sealed</c> (the schedule, with the repository secrets it
/// needs to run while the server is away: sealed, see <see cref="SealedFile"/>) and <c>cache/</c> (restic's cache).
/// </summary>
internal sealed class AgentState
{
    private readonly string _outbox;
    private readonly string _running;
    private readonly string _plans;
    private readonly string _deferred;
    private readonly string _updateFailed;

    private readonly SealedFile _seal;

    public AgentState(string root, string credential)
    {
        _seal = new SealedFile(credential);
        Root = Path.GetFullPath(root);
        _outbox = Path.Join(Root, "outbox");
        _running = Path.Join(Root, "running");
        _plans = Path.Join(Root, "plans.sealed");
        _deferred = Path.Join(Root, "deferred");
        _updateFailed = Path.Join(Root, "update-failed.json");
        CacheDir = Path.Join(Root, "cache");
        IndexDir = Path.Join(Root, "index");
        DrillsDir = Path.Join(Root, "drills");
        DumpsDir = Path.Join(Root, "dumps");
        foreach (var dir in new[] { Root, _outbox, _running, _deferred, CacheDir, IndexDir })
        {
            OwnerOnlyFile.CreateDirectory(dir);
        }
    }

    public static string DefaultRoot => OperatingSystem.IsWindows()
        ? Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "restic-manager", "state")
        : "/var/lib/restic-manager-agent";

    public string Root { get; }

    public string CacheDir { get; }

    /// <summary>Browse indexes of large snapshots (file names: owner-only, like the rest of the state).</summary>
    public string IndexDir { get; }

    /// <summary>Where drills restore their samples (one directory per drill, removed after it; leftovers at the next start).</summary>
    public string DrillsDir { get; }

    /// <summary>Where a SQLite source's online backup is written before it is streamed into restic (removed at once).</summary>
    public string DumpsDir { get; }

    public void AddToOutbox(JobResult result) =>
        OwnerOnlyFile.Write(Path.Join(_outbox, result.JobId + ".json"),
            s => JsonSerializer.Serialize(s, result, AgentStateJsonContext.Default.JobResult));

    public void RemoveFromOutbox(string jobId)
    {
        if (WireValues.IsId(jobId))
        {
            File.Delete(Path.Join(_outbox, jobId + ".json"));
        }
    }

    /// <summary>Results waiting for the server, oldest first.</summary>
    public IReadOnlyList<JobResult> Outbox() =>
        Read(_outbox, "*.json", AgentStateJsonContext.Default.JobResult, sealedFiles: false).OrderBy(r => r.FinishedAt).ToList();

    public void MarkRunning(RunningMarker marker) =>
        OwnerOnlyFile.Write(Path.Join(_running, marker.Job.JobId + ".sealed"),
            s => s.Write(_seal.Seal(JsonSerializer.SerializeToUtf8Bytes(marker, AgentStateJsonContext.Default.RunningMarker))));

    public void ClearRunning(string jobId) => File.Delete(Path.Join(_running, jobId + ".sealed"));

    /// <summary>Markers of jobs that were running when the agent last stopped.</summary>
    public IReadOnlyList<RunningMarker> LeftRunning() => Read(_running, "*.sealed", AgentStateJsonContext.Default.RunningMarker, sealedFiles: true).ToList();

    /// <summary>Keeps a job that must wait for an update (sealed: it carries the repository's secrets).</summary>
    public void Defer(RunningMarker marker) =>
        OwnerOnlyFile.Write(Path.Join(_deferred, marker.Job.JobId + ".sealed"),
            s => s.Write(_seal.Seal(JsonSerializer.SerializeToUtf8Bytes(marker, AgentStateJsonContext.Default.RunningMarker))));

    /// <summary>The jobs that waited for an update, removed from disk as they are handed over.</summary>
    public IReadOnlyList<RunningMarker> TakeDeferred()
    {
        var deferred = Read(_deferred, "*.sealed", AgentStateJsonContext.Default.RunningMarker, sealedFiles: true).ToList();
        foreach (var marker in deferred)
        {
            File.Delete(Path.Join(_deferred, marker.Job.JobId + ".sealed"));
        }

        return deferred;
    }

    /// <summary>The last update that did not happen, told to the server on every connection until another is offered.</summary>
    public UpdateFailure? LastUpdateFailure()
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(_updateFailed), AgentStateJsonContext.Default.UpdateFailure);
        }
        catch (Exception e) when (e is FileNotFoundException or JsonException)
        {
            return null;
        }
    }

    public void SaveUpdateFailure(UpdateFailure? failure)
    {
        if (failure is null)
        {
            File.Delete(_updateFailed);
        }
        else
        {
            OwnerOnlyFile.Write(_updateFailed, s => JsonSerializer.Serialize(s, failure, AgentStateJsonContext.Default.UpdateFailure));
        }
    }

    public void SavePlans(IReadOnlyList<AgentPlan> plans) =>
        OwnerOnlyFile.Write(_plans, s => s.Write(_seal.Seal(JsonSerializer.SerializeToUtf8Bytes(plans, AgentStateJsonContext.Default.IReadOnlyListAgentPlan))));

    public IReadOnlyList<AgentPlan> LoadPlans()
    {
        try
        {
            return _seal.Open(File.ReadAllBytes(_plans)) is { } plain
                ? JsonSerializer.Deserialize(plain, AgentStateJsonContext.Default.IReadOnlyListAgentPlan) ?? []
                : [];
        }
        catch (Exception e) when (e is FileNotFoundException or JsonException)
        {
            return [];
        }
    }

    private IEnumerable<T> Read<T>(string dir, string pattern, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, bool sealedFiles)
    {
        foreach (var file in Directory.EnumerateFiles(dir, pattern))
        {
            T? item;
            try
            {
                var bytes = File.ReadAllBytes(file);
                var plain = sealedFiles ? _seal.Open(bytes) : bytes;
                if (plain is null)
                {
                    continue;
                }

                item = JsonSerializer.Deserialize(plain, type);
            }
            catch (JsonException)
            {
                // A torn file cannot exist (writes are renamed into place); anything else is not ours.
                continue;
            }
            catch (FileNotFoundException)
            {
                // Removed between the listing and the read (an acknowledgement arrived): it is no longer waiting.
                continue;
            }

            if (item is not null)
            {
                yield return item;
            }
        }
    }
}

// RespectNullableAnnotations: a file of an older agent that lacks what this one needs is not read (as if not there).
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(JobResult))]
[JsonSerializable(typeof(RunningMarker))]
[JsonSerializable(typeof(UpdateFailure))]
[JsonSerializable(typeof(IReadOnlyList<AgentPlan>))]
internal sealed partial class AgentStateJsonContext : JsonSerializerContext;
