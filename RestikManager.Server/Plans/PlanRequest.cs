using System.Text.RegularExpressions;
using RestikManager.Contracts.Protocol;
using RestikManager.Contracts.Schedules;
using RestikManager.Server.Agents;
using RestikManager.Server.Api;
using RestikManager.Server.Repositories;

namespace RestikManager.Server.Plans;

/// <summary>A plan as the API takes it. Hosts are ids or hostnames; labels match hosts enrolled with that label.</summary>
internal sealed record PlanRequest(
    string? Name, string? RepositoryId, List<string>? Hosts, List<string>? Labels, List<string>? Paths, List<string>? Excludes,
    List<string>? Tags, string? Schedule, string? TimeZone, Retention? Retention, string? ForgetSchedule, string? CheckSchedule,
    int? LimitUploadKiB, int? LimitDownloadKiB, bool? Enabled,
    string? DrillSchedule = null, string? DrillHost = null, int? DrillFiles = null, long? DrillMaxBytes = null,
    int? RequireDrillWithinDays = null, string? CheckReadData = null, List<string>? CopyTo = null, bool? RequireCopy = null,
    PlanHooks? Hooks = null, bool? ContinueOnError = null, List<string>? Databases = null, bool? UseFsSnapshot = null);


/// <summary>Checks a <see cref="PlanRequest"/> field by field and turns it into a <see cref="Plan"/>.</summary>
internal static partial class PlanValidation
{
    public static (Plan? Plan, Refusal? Problem) Validate(
        PlanRequest request, string id, PlanStore plans, RepositoryStore repositories, AgentStore agents)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100 || name.Any(char.IsControl))
        {
            return Fail("name", "give the plan a name of 1 to 100 characters");
        }

        if (plans.NameTaken(name, id))
        {
            return Fail("name", $"a plan named '{name}' exists already");
        }

        if (string.IsNullOrEmpty(request.RepositoryId) || repositories.Find(request.RepositoryId) is null)
        {
            return Fail("repositoryId", $"no repository with id '{Short(request.RepositoryId)}'");
        }

        // A null inside a list is an edge failure, named for its field (never a 500, never stored).
        foreach (var (field, list) in new[] { ("hosts", request.Hosts), ("labels", request.Labels), ("paths", request.Paths), ("excludes", request.Excludes),
                     ("tags", request.Tags), ("copyTo", request.CopyTo), ("databases", request.Databases),
                     ("hooks", request.Hooks?.Before), ("hooks", request.Hooks?.After), ("hooks", request.Hooks?.OnFailure), ("hooks", request.Hooks?.Finally) })
        {
            if (list is not null && list.Contains(null!))
            {
                return Fail(field, "a list entry is null; give text or leave the entry out");
            }
        }

        var hosts = new List<string>();
        foreach (var host in request.Hosts ?? [])
        {
            if (agents.Resolve(host) is not { } agent)
            {
                return Fail("hosts", $"no enrolled host '{Short(host)}'");
            }

            hosts.Add(agent.Id);
        }

        var labels = (request.Labels ?? []).Select(l => l.Trim()).ToList();
        if (labels.Any(l => l.Length is 0 or > 100))
        {
            return Fail("labels", "labels are 1 to 100 characters");
        }

        if (hosts.Count == 0 && labels.Count == 0)
        {
            return Fail("hosts", "give at least one host (id or hostname) or host label");
        }

        var databases = (request.Databases ?? []).Distinct().ToList();
        var paths = request.Paths ?? [];
        if (paths.Count == 0 && databases.Count == 0)
        {
            return Fail("paths", "give at least one path to back up (or a database source)");
        }

        if (paths.FirstOrDefault(p => !WireValues.IsAbsolutePath(p)) is { } bad)
        {
            return Fail("paths", WireValues.PathProblem(bad));
        }

        var excludes = request.Excludes ?? [];
        if (excludes.Any(e => e.Length is 0 or > 1024 || e.Any(char.IsControl)))
        {
            return Fail("excludes", "excludes are restic patterns of 1 to 1024 characters without control characters");
        }

        var tags = request.Tags ?? [];
        if (tags.FirstOrDefault(t => !TagPattern().IsMatch(t) || t.StartsWith("rm-", StringComparison.Ordinal)) is { } badTag)
        {
            return Fail("tags", $"'{Short(badTag)}' is not a tag: 1 to 64 of A-Z a-z 0-9 . _ - : @, not starting with 'rm-' (reserved)");
        }

        var zone = string.IsNullOrWhiteSpace(request.TimeZone) ? "UTC" : request.TimeZone.Trim();
        if (!CronSchedule.TryFindZone(zone, out _))
        {
            return Fail("timeZone", $"'{Short(zone)}' is not a known time zone; use an IANA name such as Europe/Berlin or UTC");
        }

        // No backup schedule: a plan run only on demand (Run now); forget and check may still have theirs.
        var schedules = new Dictionary<string, CronSchedule?>(StringComparer.Ordinal);
        foreach (var (field, value) in new[] { ("schedule", request.Schedule), ("forgetSchedule", request.ForgetSchedule),
                     ("checkSchedule", request.CheckSchedule), ("drillSchedule", request.DrillSchedule) })
        {
            CronSchedule? schedule = null;
            if (value is not null && !CronSchedule.TryParse(value, zone, out schedule, out var error, out _))
            {
                return Fail(field, error!);
            }

            schedules[field] = schedule;
        }

        var retention = request.Retention ?? new Retention();
        if (new[] { retention.KeepLast, retention.KeepHourly, retention.KeepDaily, retention.KeepWeekly, retention.KeepMonthly, retention.KeepYearly }
            .Any(n => n is < 0 or > 100000))
        {
            return Fail("retention", "keep counts are whole numbers from 0 to 100000");
        }

        if (retention.KeepWithin is not null && !WithinPattern().IsMatch(retention.KeepWithin))
        {
            return Fail("retention", $"keepWithin '{Short(retention.KeepWithin)}' is a duration such as 30d, 1y6m or 12h");
        }

        if (request.ForgetSchedule is not null && retention.IsEmpty)
        {
            return Fail("retention", "a forget schedule needs a retention policy (keepLast, keepDaily, …)");
        }

        foreach (var (field, limit) in new[] { ("limitUploadKiB", request.LimitUploadKiB), ("limitDownloadKiB", request.LimitDownloadKiB) })
        {
            if (limit is < 1 or > 10_000_000)
            {
                return Fail(field, "a bandwidth limit is 1 to 10000000 KiB/s (leave it out for no limit)");
            }
        }

        if (request.CheckReadData is { } subset && ReadDataSubset.Problem(subset) is { } subsetProblem)
        {
            return Fail("checkReadData", $"'{Short(subset)}' is not a part of the data to read: {subsetProblem}");
        }

        string? drillHost = null;
        if (request.DrillHost is { } named)
        {
            if (agents.Resolve(named) is not { RevokedAt: null } restorer)
            {
                return Fail("drillHost", $"no enrolled host '{Short(named)}'");
            }

            drillHost = restorer.Id;
        }

        if (request.DrillFiles is < 1 or > MessageRules.MaxDrillFiles)
        {
            return Fail("drillFiles", $"a drill samples 1 to {MessageRules.MaxDrillFiles} files");
        }

        if (request.DrillMaxBytes is < 1 or > MaxDrillBytes)
        {
            return Fail("drillMaxBytes", "a drill restores 1 byte to 1 TiB (the scratch space it may use on the restoring host)");
        }

        if (request.RequireDrillWithinDays is < 1 or > 3660)
        {
            return Fail("requireDrillWithinDays", "a passing drill is required within 1 to 3660 days (leave it out to not require one)");
        }

        var copyTo = (request.CopyTo ?? []).Distinct().ToList();
        foreach (var target in copyTo)
        {
            if (target == request.RepositoryId)
            {
                return Fail("copyTo", "a copy target is another repository than the one the plan backs up to");
            }

            if (repositories.Find(target) is null)
            {
                return Fail("copyTo", $"no repository with id '{Short(target)}'");
            }
        }

        if (request.RequireCopy == true && copyTo.Count == 0)
        {
            return Fail("requireCopy", "requiring a copy needs at least one copy target (copyTo)");
        }

        var targeted = agents.List().Where(a => PlanDistributor.Targets(hosts, labels, a)).ToList();
        var hooks = PlanHooksValues.Whole(request.Hooks);
        if (HookProblem(hooks, databases, [.. targeted.Select(a => a.Allowed)]) is { } hookProblem)
        {
            return Fail(hookProblem.Field, hookProblem.Message);
        }

        if (request.UseFsSnapshot == true && targeted.Where(a => a.Os is not null && a.Os != "windows").Select(a => a.Hostname).ToList() is { Count: > 0 } unix)
        {
            return Fail("useFsSnapshot", $"file-system snapshots (VSS) are made on Windows hosts only; {string.Join(", ", unix)} run {targeted.First(a => unix.Contains(a.Hostname)).Os}");
        }

        return (new Plan(id, name, request.RepositoryId, hosts.Distinct().ToList(), labels.Distinct().ToList(), paths, excludes, tags,
            schedules["schedule"], zone, retention, schedules["forgetSchedule"], schedules["checkSchedule"],
            request.LimitUploadKiB, request.LimitDownloadKiB, request.Enabled ?? true, "", "",
            schedules["drillSchedule"], drillHost, request.DrillFiles ?? JobSpec.DefaultDrillFiles, request.DrillMaxBytes ?? JobSpec.DefaultDrillMaxBytes,
            request.RequireDrillWithinDays, request.CheckReadData, copyTo, request.RequireCopy == true)
        {
            Hooks = hooks, ContinueOnError = request.ContinueOnError == true, Databases = databases, UseFsSnapshot = request.UseFsSnapshot == true,
        }, null);
    }

    /// <summary>The most names one hook phase, or the database sources, may list.</summary>
    private const int MaxNames = 20;

    /// <summary>
    /// A hook or database name that is not a name, or that no host of the plan allows (as its agent last reported): the host
    /// would refuse it (<c>hook_not_allowed</c>), so the plan is refused now, with the name and the kind it must be.
    /// </summary>
    private static (string Field, string Message)? HookProblem(PlanHooks hooks, List<string> databases, List<IReadOnlyList<AllowedEntry>?> targeted)
    {
        foreach (var (field, names, kinds, what) in hooks.Phases.Select(p => ("hooks", p.Names, (Func<string, bool>)(k => k == AllowlistKinds.Hook), $"{p.Phase} hook"))
                     .Append(("databases", databases, AllowlistKinds.IsDatabase, "database source")))
        {
            if (names.Count > MaxNames)
            {
                return (field, $"at most {MaxNames} names per list");
            }

            foreach (var name in names)
            {
                if (!WireValues.IsAllowName(name))
                {
                    return (field, $"'{Short(name)}' is not an allowlist name (1 to 64 of A-Z a-z 0-9 . _ -, the file hooks.d/<name>.json on the host)");
                }

                if (!targeted.Any(allowed => AgentRecord.Allows(allowed, name, kinds)))
                {
                    return (field, $"no host of this plan allows the {what} '{name}': add hooks.d/{name}.json on the host " +
                        "(owned by root, not writable by others); its agent reports it within seconds");
                }
            }
        }

        return null;
    }

    private const long MaxDrillBytes = 1L << 40;

    private static (Plan?, Refusal?) Fail(string field, string message) => (null, Refusal.Invalid("invalid_plan", field, $"{field}: {message}"));

    private static string Short(string? value) => value is null ? "" : value.Length <= 60 ? value : value[..60] + "…";

    [GeneratedRegex(@"^[A-Za-z0-9._:@-]{1,64}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^(\d+[ymdh])+$")]
    private static partial Regex WithinPattern();
}
