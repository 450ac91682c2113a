using System.Text.Json;
using RestikManager.Agent.Hooks;
using RestikManager.Agent.Jobs;
using RestikManager.Agent.Restic;
using RestikManager.Contracts.Protocol;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.AgentLogic;

/// <summary>
/// The host's side of hooks, in process: which allowlist files it trusts, what an entry may say, how a hook is run
/// (its environment, its timeout with its children, its output redacted), where a restore may not write, and restic's
/// arguments for file-system snapshots and dumps.
/// </summary>
public sealed class HookAllowlistTests : IDisposable
{
    private readonly TempDir _dir = new("rm-hooks");

    private string HooksDir => _dir.Of("hooks.d");

    public HookAllowlistTests()
    {
        Directory.CreateDirectory(HooksDir);
        File.SetUnixFileMode(HooksDir, (UnixFileMode)0b111_101_101);
    }

    public void Dispose() => _dir.Dispose();

    private string Entry(string name, string json, UnixFileMode mode = (UnixFileMode)0b110_100_100)
    {
        var path = Path.Join(HooksDir, name + ".json");
        File.WriteAllText(path, json);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public void OnlyRootOwnedEntriesNoOneElseMayWriteAreTrustedAndTheirProblemsAreNamed()
    {
        Entry("good", """{"kind":"hook","argv":["/bin/true"],"timeoutSeconds":5}""");
        Entry("group", """{"kind":"hook","argv":["/bin/true"]}""", (UnixFileMode)0b110_110_100);
        Entry("world", """{"kind":"hook","argv":["/bin/true"]}""", (UnixFileMode)0b110_100_110);
        Entry("typo", """{"kind":"hook","argv":["/bin/true"],"timeoutSecond":5}""");
        Entry("nocommand", """{"kind":"hook"}""");
        Entry("pg", """{"kind":"postgres","database":"app","argv":["rm","-rf","/"]}""");
        Entry("shelltwo", """{"kind":"hook","shell":true,"argv":["echo a","echo b"]}""");
        Entry("user", """{"kind":"hook","argv":["/bin/true"],"user":"root;id"}""");
        Entry("env", """{"kind":"hook","argv":["/bin/true"],"env":{"RESTIC_PASSWORD":"x"}}""");
        File.CreateSymbolicLink(Path.Join(HooksDir, "link.json"), Path.Join(HooksDir, "good.json"));
        var allowlist = new Allowlist(HooksDir);

        var report = allowlist.Report().ToDictionary(e => e.Name);
        report["good"].ShouldBe(new AllowedEntry("good", "hook"));
        report["group"].Problem!.ShouldContain("writable by its group");
        report["world"].Problem!.ShouldContain("writable by everyone");
        report["typo"].Problem!.ShouldContain("timeoutSecond");
        report["nocommand"].Problem!.ShouldContain("'argv'");
        report["pg"].Problem!.ShouldContain("no 'argv'");
        report["shelltwo"].Problem!.ShouldContain("one element");
        report["user"].Problem!.ShouldContain("'user'");
        report["env"].Problem!.ShouldContain("RESTIC_PASSWORD");
        report["link"].Problem!.ShouldContain("symbolic link");

        allowlist.Resolve("good", AllowlistKinds.Hook).Entry!.Entry.TimeoutSeconds.ShouldBe(5);
        allowlist.Resolve("good", AllowlistKinds.RestoreCommand).Problem!.ShouldContain("a hook entry on this host, not restore-command");
        allowlist.Resolve("missing", AllowlistKinds.Hook).Problem!.ShouldContain("does not exist");
        allowlist.Resolve("../hooks.d/good", AllowlistKinds.Hook).Problem!.ShouldContain("not an allowlist name");
        allowlist.Resolve("-x", AllowlistKinds.Hook).Problem!.ShouldContain("not an allowlist name");

        DatabaseServers.Run("chown", "nobody", Path.Join(HooksDir, "good.json"));
        allowlist.Resolve("good", AllowlistKinds.Hook).Problem!.ShouldContain("not root");
        File.SetUnixFileMode(HooksDir, (UnixFileMode)0b111_111_111);
        allowlist.Report().ShouldAllBe(e => e.Problem != null && e.Problem.Contains("the folder"));
        new Allowlist(_dir.Of("absent")).Report().ShouldBeEmpty();
    }

    [Fact]
    public async Task AHookGetsTheJobsFactsNotResticsAndIsKilledWithItsChildrenAtItsTimeout()
    {
        Entry("facts", """{"kind":"hook","argv":["/bin/sh","-c","echo \"$RM_JOB_ID $RM_PLAN $RM_PHASE $RM_STATUS ${RESTIC_REPOSITORY:-none} $EXTRA\"; echo secret-value-1 >&2"],"env":{"EXTRA":"x"}}""");
        var pidFile = _dir.Of("child.pid");
        Entry("hang", $$"""{"kind":"hook","shell":true,"argv":["sleep 60 & echo $! > {{pidFile}}; wait"],"timeoutSeconds":1}""");
        Environment.SetEnvironmentVariable("RESTIC_REPOSITORY", "/leaked");
        try
        {
            var allowlist = new Allowlist(HooksDir);
            List<Allowlist.Resolved> Hooks(params string[] names) => [.. names.Select(n => allowlist.Resolve(n, AllowlistKinds.Hook).Entry!)];
            var (runs, failed) = await HookRunner.RunPhaseAsync(HookPhases.After, Hooks("facts", "hang", "facts"),
                new HookRunner.Facts("job1", "plan1", JobStatuses.Succeeded), ["secret-value-1"], continueOnError: true, CancellationToken.None);
            failed.ShouldBeTrue();
            runs.Select(r => (r.Name, r.ExitCode, r.TimedOut)).ShouldBe([("facts", (int?)0, false), ("hang", null, true), ("facts", 0, false)],
                "phases after the backup run every hook, whatever one of them did");
            runs[0].OutputTail!.Split('\n').ShouldBe(["job1 plan1 after succeeded none x", "[redacted]"], ignoreOrder: true);
            runs[1].DurationMs.ShouldBeInRange(900, 10_000);
            var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            await Eventually.TrueAsync(() => !Directory.Exists($"/proc/{child}"), TimeSpan.FromSeconds(5), "the hook's child killed with it");

            var (before, beforeFailed) = await HookRunner.RunPhaseAsync(HookPhases.Before, Hooks("hang", "facts"),
                new HookRunner.Facts("job2", null), [], continueOnError: false, CancellationToken.None);
            beforeFailed.ShouldBeTrue();
            before.Select(r => r.Name).ShouldBe(["hang"], "a failing before hook stops its phase");
        }
        finally
        {
            Environment.SetEnvironmentVariable("RESTIC_REPOSITORY", null);
        }
    }

    [Fact]
    public void OutputTailsRedactSecretsBeforeCuttingAndKeepTheLastLines()
    {
        var tail = new OutputTail(["hunter22", "abc"]);
        tail.Add(new string('x', 995) + "hunter22hunter22");
        for (var i = 0; i < 200; i++)
        {
            tail.Add($"line {i} hunter22");
        }

        var text = tail.ToString();
        text.Length.ShouldBeLessThanOrEqualTo(MessageRules.MaxOutputTail);
        text.ShouldNotContain("hunter");
        text.ShouldEndWith("line 199 [redacted]");
        new OutputTail(["abc"]).Let(t => t.Add("abc")).ToString().ShouldBe("abc", "values shorter than 4 characters are not secrets worth hiding");
    }

    [Fact]
    public void RestoresStayOutOfTheAgentsOwnConfigStateAndAllowlist()
    {
        var guard = new RestoreGuard(["/etc/restic-manager/hooks.d", "/etc/restic-manager/agent.json", "/var/lib/restic-manager"]);
        JobSpec Restore(string target, string? include = null, bool contents = false) =>
            new("j", JobKinds.Restore, "r", JobTriggers.Manual, Target: target, IncludePath: include, ContentsOnly: contents, SnapshotId: "abcdef12");

        guard.Problem(Restore("/etc/restic-manager/hooks.d")).ShouldNotBeNull();
        guard.Problem(Restore("/etc/restic-manager/hooks.d/sub", "/srv")).ShouldNotBeNull();
        guard.Problem(Restore("/")).ShouldNotBeNull("the whole snapshot onto / could hold etc/restic-manager/hooks.d");
        guard.Problem(Restore("/", "/etc")).ShouldNotBeNull();
        guard.Problem(Restore("/etc/restic-manager")).ShouldNotBeNull("it holds the config file");
        guard.Problem(Restore("/var/lib", "/srv/x", contents: true)).ShouldNotBeNull("contents land in the target itself, which holds the state");
        guard.Problem(Restore("/", "/srv/data")).ShouldBeNull();
        guard.Problem(Restore("/srv/restore")).ShouldBeNull();
        guard.Problem(Restore("/etc/restic-manager-old")).ShouldBeNull();
        guard.Problem(Restore("/tmp/x", "/etc/restic-manager/hooks.d", contents: true)).ShouldBeNull("what is read is not where it is written");
    }

    [Fact]
    public void ResticIsToldOfFileSystemSnapshotsAndDumpsComeFromStdinTaggedWithTheirSource()
    {
        var job = JobSpec.OfPlan(JobKinds.Backup, JobTriggers.Schedule, "repo", "plan1", ["C:\\Data"], [], ["prod"], null, 500, null) with
        {
            UseFsSnapshot = true, Hostname = "win1",
        };
        ResticArguments.Backup(job).ShouldContain("--use-fs-snapshot");
        ResticArguments.Backup(job with { UseFsSnapshot = false }).ShouldNotContain("--use-fs-snapshot");
        ResticArguments.StdinBackup(job, "app.sql", "rm-db:app").ShouldBe(
            ["backup", "--json", "--stdin", "--stdin-filename", "app.sql", "--host", "win1", "--tag", "rm-plan:plan1", "--tag", "rm-db:app",
                "--tag", "prod", "--limit-upload", "500"]);

        var plan = new AgentPlan("plan1", "p", "0 0 3 * * ?", "UTC", new RepositoryAccess("repo", "/r", new Dictionary<string, string>()), [], [], [], null, null,
            new PlanHooks(Before: ["stop-app"]), true, ["app"], true);
        var scheduled = JobSpec.BackupOf(plan, JobTriggers.Schedule);
        (scheduled.Hooks, scheduled.ContinueOnError, scheduled.Databases, scheduled.UseFsSnapshot).ShouldBe((plan.Hooks, true, plan.Databases, true));
        HookedBackup.Applies(scheduled).ShouldBeTrue();
        HookedBackup.Applies(scheduled with { Hooks = null, Databases = null, UseFsSnapshot = false }).ShouldBeFalse();
    }

    [Fact]
    public async Task ALinuxAgentRefusesAFileSystemSnapshotBeforeAnythingRuns()
    {
        Entry("marker", $$"""{"kind":"hook","argv":["/bin/sh","-c","touch {{_dir.Of("ran")}}"]}""");
        var allowlist = new Allowlist(HooksDir);
        var hooked = new HookedBackup(allowlist, null!, TimeProvider.System);
        var job = new JobSpec("j", JobKinds.Backup, "r", JobTriggers.Manual, "p", Paths: ["/srv"], UseFsSnapshot: true, Hooks: new PlanHooks(Before: ["marker"]));
        var result = await hooked.RunAsync(job, new RepositoryAccess("r", "/r", new Dictionary<string, string>()), DateTimeOffset.UtcNow, _ => { },
            _ => throw new InvalidOperationException("restic must not run"), () => JobRunner.StopReason.None, CancellationToken.None);
        result.Status.ShouldBe(JobStatuses.Failed);
        result.ErrorClass.ShouldBe(JobErrors.FsSnapshotUnsupported);
        result.Error!.ShouldContain("Windows");
        File.Exists(_dir.Of("ran")).ShouldBeFalse();
    }

    [Fact]
    public async Task AMissingSqliteDatabaseFailsItsDumpInsteadOfBackingUpAnEmptyOne()
    {
        var missing = _dir.Of("gone.db");
        var runner = new RestikManager.Agent.Databases.DumpRunner(null!, _dir.Of("dumps"), TimeProvider.System);
        var outcome = await runner.RunAsync(new JobSpec("j", JobKinds.Backup, "r", JobTriggers.Manual, "p"),
            new Allowlist.Resolved("app", new AllowEntry { Kind = AllowlistKinds.Sqlite, Path = missing }),
            new RepositoryAccess("r", "/r", new Dictionary<string, string>()), new HookRunner.Facts("j", "p"), [], _ => { }, CancellationToken.None);
        outcome.ErrorClass.ShouldBe(JobErrors.DumpFailed);
        outcome.Failure!.ShouldContain("does not exist");
        outcome.Dump.SnapshotId.ShouldBeNull();
        File.Exists(missing).ShouldBeFalse("nothing created it");
    }

    [Fact]
    public void TheServerChecksHookRunsAndAllowlistsInMessages()
    {
        JobResult Result(params HookRun[] hooks) => new("j1", JobKinds.Backup, "r1", JobTriggers.Manual, null, JobStatuses.Succeeded,
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, Hooks: hooks);
        MessageRules.Problem(Result(new HookRun("note", HookPhases.Before, 0, 10, "ok"))).ShouldBeNull();
        MessageRules.Problem(Result(new HookRun("../x", HookPhases.Before, 0, 10, null))).ShouldBe("bad hook runs");
        MessageRules.Problem(Result(new HookRun("note", "sometime", 0, 10, null))).ShouldBe("bad hook runs");
        MessageRules.Problem(Result(new HookRun("note", HookPhases.After, 0, 10, new string('x', 10_000)))).ShouldBe("bad hook runs");
        var hello = new Hello(1, "1", "c", "d", "linux", "amd64", "h", null, Allowlist: [new AllowedEntry("pg", "postgres")]);
        MessageRules.Problem(hello).ShouldBeNull();
        MessageRules.Problem(hello with { Allowlist = [new AllowedEntry("pg", "oracle")] }).ShouldBe("bad allowlist");
        JsonSerializer.Serialize(new PlanHooks(Before: ["a"]), ProtocolJsonContext.Default.Options).ShouldNotContain("isEmpty");
    }
}

file static class Scoped
{
    public static T Let<T>(this T value, Action<T> action)
    {
        action(value);
        return value;
    }
}
