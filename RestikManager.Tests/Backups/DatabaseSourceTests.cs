using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Backups;

/// <summary>
/// Database sources and hooks with the published server, a real agent and real restic, a real PostgreSQL 15 cluster and a
/// real MariaDB server from the machine's packages, and SQLite. Every command comes from the host's own allowlist
/// (<c>--hooks-dir</c>), written by the test as root, as an administrator would; plans only name entries. One server, host
/// and pair of database servers serve every case; each case has its own plan.
/// </summary>
[Collection(PublishedTreeGroup.Backups)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class DatabaseSourceTests(PublishedTree tree, DatabaseSourceTests.World world) : IClassFixture<DatabaseSourceTests.World>
{
    private const string Host = "db1";

    /// <summary>What the cases share, started by the first case that asks.</summary>
    public sealed class World : IAsyncLifetime
    {
        private readonly Lock _gate = new();
        private Task<BackupStack>? _started;

        internal BackupStack? Stack { get; private set; }

        internal PostgresCluster? Postgres { get; private set; }

        internal MariaDbServer? Maria { get; private set; }

        internal TempDir Files { get; } = new("rm-db-files");

        internal string HooksDir => Files.Of("hooks.d");

        internal Task<BackupStack> StartAsync(PublishedTree tree)
        {
            lock (_gate)
            {
                return _started ??= StartOnceAsync(tree);
            }
        }

        private async Task<BackupStack> StartOnceAsync(PublishedTree tree)
        {
            Postgres = PostgresCluster.Start();
            Maria = MariaDbServer.Start();
            Directory.CreateDirectory(HooksDir);
            WriteAllowlist();
            Stack = await BackupStack.StartAsync(tree, [Host], init: true, "--hooks-dir", HooksDir);
            return Stack;
        }

        internal string Log => Files.Of("hooks.log");

        internal string Marker => Files.Of("marker");

        internal string SqliteFile => Files.Of("app.db");

        internal void Entry(string name, object entry) =>
            File.WriteAllText(Path.Join(HooksDir, name + ".json"), JsonSerializer.Serialize(entry));

        private void WriteAllowlist()
        {
            var pg = Postgres!;
            File.WriteAllText(Files.Of("pg.pass"), pg.Password + "\n");
            Entry("pg-app", new { kind = "postgres", database = "app", host = "127.0.0.1", port = pg.Port, user = PostgresCluster.User, passwordFile = Files.Of("pg.pass") });
            Entry("pg-restore", new
            {
                kind = "restore-command",
                argv = new[] { "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", pg.SocketDir, "-p", pg.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-d", "restored" },
            });
            Maria!.Sql("CREATE USER backup@localhost IDENTIFIED BY 'maria-secret-pw'; GRANT ALL ON *.* TO backup@localhost;");
            File.WriteAllText(Files.Of("maria.pass"), "maria-secret-pw");
            Entry("shop", new { kind = "mysql", database = "shop", host = Maria.Socket, user = "backup", passwordFile = Files.Of("maria.pass") });
            Entry("shop-restore", new { kind = "restore-command", argv = new[] { "mariadb", "--no-defaults", "--socket=" + Maria.Socket, "-u", "root" } });
            Entry("app-sqlite", new { kind = "sqlite", path = SqliteFile });
            Entry("endless-dump", new { kind = "command", argv = new[] { "yes", "backup-data" } });
            Entry("broken-dump", new { kind = "command", argv = new[] { "/bin/sh", "-c", "echo 'CREATE TABLE half'; sleep 0.2; echo 'dump: lost the connection' >&2; exit 3" }, filename = "broken.sql" });
            Entry("note", new
            {
                kind = "hook",
                argv = new[] { "/bin/sh", "-c", $"echo \"$RM_PHASE status=${{RM_STATUS:-}} snapshot=${{RM_SNAPSHOT_ID:-}} restic=${{RESTIC_PASSWORD:-none}}\" >> {Log}; echo 'my password is {BackupApi.RepoPassword}'" },
            });
            Entry("fail", new { kind = "hook", argv = new[] { "/bin/sh", "-c", "echo preparing; echo 'cannot stop the service' >&2; exit 7" } });
            Entry("hang", new { kind = "hook", shell = true, argv = new[] { $"sleep 300 & echo $! > {Files.Of("child.pid")}; sleep 300" }, timeoutSeconds = 2 });
            Entry("marker", new { kind = "hook", argv = new[] { "/bin/sh", "-c", $"touch {Marker}" } });
            Entry("vanishing", new { kind = "hook", argv = new[] { "/bin/true" } });
            Entry("loose", new { kind = "hook", argv = new[] { "/bin/true" } });
            File.SetUnixFileMode(Path.Join(HooksDir, "loose.json"), (UnixFileMode)0b110_110_110);
        }

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            if (Stack is not null)
            {
                await Stack.DisposeAsync();
            }

            Postgres?.Dispose();
            Maria?.Dispose();
            Files.Dispose();
        }
    }

    [Fact]
    public async Task APostgresDumpIsItsOwnSnapshotAndRestoresIntoANewDatabaseThroughAnAllowedRestoreCommand()
    {
        var backups = await world.StartAsync(tree);
        var pg = world.Postgres!;
        pg.Sql("postgres", "CREATE DATABASE app");
        pg.Sql("app", "CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 500) g");
        var plan = await backups.PlanAsync("postgres app", [Host], new() { ["paths"] = Array.Empty<string>(), ["databases"] = new[] { "pg-app" } });

        var backup = await backups.BackupAsync(plan, Host);
        backup.Str("status").ShouldBe("succeeded", backup.ToString());
        var dump = backup.GetProperty("dumps").EnumerateArray().Single();
        dump.Str("name").ShouldBe("pg-app");
        dump.Str("filename").ShouldBe("pg-app.sql");
        dump.GetProperty("bytes").GetInt64().ShouldBeGreaterThan(1000);
        var snapshot = dump.Str("snapshotId");
        backup.Str("snapshotId").ShouldBe(snapshot, "a plan of database sources only names its first dump's snapshot");
        var listed = (await BackupApi.SnapshotsAsync(backups.Admin, backups.RepositoryId)).Single(s => s.Str("id") == snapshot);
        listed.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldContain("rm-db:pg-app");
        listed.GetProperty("paths").EnumerateArray().Select(p => p.GetString()).ShouldBe(["/pg-app.sql"]);
        JsonSerializer.Serialize(backup).ShouldNotContain(pg.Password, Case.Sensitive, "the database password goes to pg_dump's environment only");

        // The database is lost; its dump goes into a new one, through the host's own restore command.
        pg.Sql("postgres", "DROP DATABASE app");
        pg.Sql("postgres", "CREATE DATABASE restored");
        var restore = await BackupApi.RunJobAsync(backups.Admin, new { kind = "restore", repositoryId = backups.RepositoryId, snapshotId = snapshot, host = Host, restoreCommand = "pg-restore" });
        restore.Str("status").ShouldBe("succeeded", restore.ToString());
        restore.Str("restoreCommand").ShouldBe("pg-restore");
        restore.GetProperty("hooks")[0].GetProperty("exitCode").GetInt32().ShouldBe(0);
        pg.Sql("restored", "SELECT count(*), sum(id), max(item) FROM orders").ShouldBe("500|125250|item 99");

        // The same snapshot restores as a file on the host too, as any other.
        var target = backups.Stack.Root.Of("pg-file");
        (await BackupApi.RunJobAsync(backups.Admin, new { kind = "restore", repositoryId = backups.RepositoryId, snapshotId = snapshot, host = Host, target }))
            .Str("status").ShouldBe("succeeded");
        File.ReadAllText(Path.Join(target, "pg-app.sql")).ShouldContain("CREATE TABLE public.orders");
    }

    [Fact]
    public async Task AMariaDbDumpRestoresItsDatabaseThroughAnAllowedRestoreCommand()
    {
        var backups = await world.StartAsync(tree);
        var maria = world.Maria!;
        maria.Sql("CREATE DATABASE shop; CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(40)) ENGINE=InnoDB; " +
            "INSERT INTO shop.items VALUES (1, 'lamp'), (2, 'desk'), (3, 'chair');");
        var plan = await backups.PlanAsync("mariadb shop", [Host], new() { ["databases"] = new[] { "shop" } });

        var backup = await backups.BackupAsync(plan, Host);
        backup.Str("status").ShouldBe("succeeded", backup.ToString());
        backup.Str("snapshotId").ShouldNotBe("", "the plan's paths are backed up as well");
        var dump = backup.GetProperty("dumps").EnumerateArray().Single();
        dump.Str("snapshotId").ShouldNotBe(backup.Str("snapshotId"), "each database source is its own snapshot");
        JsonSerializer.Serialize(backup).ShouldNotContain("maria-secret-pw");

        maria.Sql("DROP DATABASE shop");
        var restore = await BackupApi.RunJobAsync(backups.Admin, new { kind = "restore", repositoryId = backups.RepositoryId, snapshotId = dump.Str("snapshotId"), host = Host, restoreCommand = "shop-restore" });
        restore.Str("status").ShouldBe("succeeded", restore.ToString());
        maria.Sql("SELECT group_concat(name ORDER BY id) FROM shop.items").ShouldBe("lamp,desk,chair");
    }

    [Fact]
    public async Task ASqliteDatabaseWrittenDuringTheBackupRestoresToAConsistentDatabase()
    {
        var backups = await world.StartAsync(tree);
        using (var setup = Open(world.SqliteFile))
        {
            Execute(setup, "PRAGMA journal_mode=WAL; CREATE TABLE rows (id INTEGER PRIMARY KEY, value INTEGER); CREATE TABLE total (n INTEGER); INSERT INTO total VALUES (0);");
        }

        // A writer that keeps one invariant per transaction: total.n is the number of rows.
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            using var connection = Open(world.SqliteFile);
            var written = 0;
            while (!stop.IsCancellationRequested)
            {
                using var transaction = connection.BeginTransaction();
                Execute(connection, "INSERT INTO rows (value) VALUES (1), (2); UPDATE total SET n = n + 2;", transaction);
                transaction.Commit();
                written += 2;
            }

            return written;
        });
        await Task.Delay(300);
        var plan = await backups.PlanAsync("sqlite app", [Host], new() { ["paths"] = Array.Empty<string>(), ["databases"] = new[] { "app-sqlite" } });
        var backup = await backups.BackupAsync(plan, Host);
        await stop.CancelAsync();
        var written = await writer;
        backup.Str("status").ShouldBe("succeeded", backup.ToString());
        Directory.EnumerateFileSystemEntries(Path.Join(backups.StateDir(Host), "dumps")).ShouldBeEmpty("the online backup's copy is removed once streamed");

        var target = backups.Stack.Root.Of("sqlite-restored");
        (await BackupApi.RunJobAsync(backups.Admin, new { kind = "restore", repositoryId = backups.RepositoryId, snapshotId = backup.Str("snapshotId"), host = Host, target }))
            .Str("status").ShouldBe("succeeded");
        using var restored = Open(Path.Join(target, "app-sqlite.sqlite3"));
        Scalar(restored, "PRAGMA integrity_check").ShouldBe("ok");
        var rows = long.Parse(Scalar(restored, "SELECT count(*) FROM rows"), System.Globalization.CultureInfo.InvariantCulture);
        Scalar(restored, "SELECT n FROM total").ShouldBe(rows.ToString(System.Globalization.CultureInfo.InvariantCulture), "one transaction's rows and count, never half of it");
        rows.ShouldBeGreaterThan(0);
        rows.ShouldBeLessThanOrEqualTo(written);
    }

    [Fact]
    public async Task TheHostRefusesWhatItsAllowlistDoesNotHoldSafelyAndNothingRuns()
    {
        var backups = await world.StartAsync(tree);
        var admin = backups.Admin;

        // What the host reported: names and kinds, and why the world-writable entry will not run; never a command line.
        var host = (await Api.HostsAsync(admin)).Single(h => h.Str("hostname") == Host);
        var allowlist = host.GetProperty("allowlist").EnumerateArray().ToDictionary(e => e.Str("name"));
        allowlist["pg-app"].Str("kind").ShouldBe("postgres");
        allowlist["pg-restore"].Str("kind").ShouldBe("restore-command");
        allowlist["loose"].Str("problem").ShouldContain("writable by everyone");
        host.ToString().ShouldNotContain("/bin/sh");

        // The server refuses names no host of the plan allows (the world-writable one among them), naming the field.
        foreach (var (field, value) in new (string, object)[]
                 {
                     ("hooks", new { before = new[] { "loose" } }), ("hooks", new { after = new[] { "no-such-hook" } }),
                     ("hooks", new { before = new[] { "../etc/passwd" } }), ("databases", new[] { "note" }), ("hooks", new { before = new[] { "pg-app" } }),
                 })
        {
            using var refused = await admin.PostAsJsonAsync("/api/v1/plans", new { name = "refused " + Guid.NewGuid(), repositoryId = backups.RepositoryId, hosts = new[] { Host }, paths = new[] { backups.Source(Host) }, hooks = field == "hooks" ? value : null, databases = field == "databases" ? value : null });
            var body = await refused.JsonAsync();
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body.ToString());
            body.GetProperty("error").Str("field").ShouldBe(field);
        }

        using (var badFs = await admin.PostAsJsonAsync("/api/v1/plans", new { name = "vss on linux", repositoryId = backups.RepositoryId, hosts = new[] { Host }, paths = new[] { backups.Source(Host) }, useFsSnapshot = true }))
        {
            badFs.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await badFs.JsonAsync()).GetProperty("error").Str("message").ShouldContain("Windows");
        }

        // A plan made while the host allowed both; then one entry goes and the next backup is refused by the host itself
        // before anything runs (the marker hook, listed first, did not run either).
        var plan = await backups.PlanAsync("refused hooks", [Host], new() { ["hooks"] = new { before = new[] { "marker", "vanishing" } } });
        File.Delete(Path.Join(world.HooksDir, "vanishing.json"));
        File.Delete(world.Marker);
        await ReportedAsync(admin, list => !list.ContainsKey("vanishing"), "the agent reports the entry gone, without a restart");
        var refusedRun = await backups.BackupAsync(plan, Host);
        refusedRun.Str("status").ShouldBe("failed");
        refusedRun.Str("errorClass").ShouldBe("hook_not_allowed");
        refusedRun.Str("error").ShouldContain("vanishing");
        File.Exists(world.Marker).ShouldBeFalse("nothing runs when one name is not allowed");

        // An entry made writable by others is refused the same way, as is one not owned by root.
        world.Entry("vanishing", new { kind = "hook", argv = new[] { "/bin/true" } });
        File.SetUnixFileMode(Path.Join(world.HooksDir, "marker.json"), (UnixFileMode)0b110_110_110);
        await ReportedAsync(admin, list => list.ContainsKey("vanishing") && list["marker"].Str("problem") != "", "the new entry and the unsafe one");
        var writable = await backups.BackupAsync(plan, Host);
        writable.Str("errorClass").ShouldBe("hook_not_allowed");
        writable.Str("error").ShouldContain("writable by everyone");
        File.SetUnixFileMode(Path.Join(world.HooksDir, "marker.json"), (UnixFileMode)0b110_100_100);
        DatabaseServers.Run("chown", "nobody", Path.Join(world.HooksDir, "marker.json"));
        await ReportedAsync(admin, list => list["marker"].Str("problem").Contains("not root", StringComparison.Ordinal), "the foreign owner");
        var owned = await backups.BackupAsync(plan, Host);
        owned.Str("errorClass").ShouldBe("hook_not_allowed");
        owned.Str("error").ShouldContain("not root");
        File.Exists(world.Marker).ShouldBeFalse();
        DatabaseServers.Run("chown", "root", Path.Join(world.HooksDir, "marker.json"));
        await ReportedAsync(admin, list => list["marker"].Str("problem") == "", "the entry safe again");
        (await backups.BackupAsync(plan, Host)).Str("status").ShouldBe("succeeded");
        File.Exists(world.Marker).ShouldBeTrue("allowed again, it runs");

        // A restore into a command the host does not allow, and one into the allowlist folder itself, are refused.
        var snapshot = (await backups.BackupAsync(plan, Host)).Str("snapshotId");
        using (var notAllowed = await admin.PostAsJsonAsync("/api/v1/jobs", new { kind = "restore", repositoryId = backups.RepositoryId, snapshotId = snapshot, host = Host, restoreCommand = "note" }))
        {
            notAllowed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await notAllowed.JsonAsync()).GetProperty("error").Str("field").ShouldBe("restoreCommand");
        }

        var intoHooks = await BackupApi.RunJobAsync(admin, new { kind = "restore", repositoryId = backups.RepositoryId, snapshotId = snapshot, host = Host, target = world.HooksDir, path = backups.Source(Host), contentsOnly = true });
        intoHooks.Str("status").ShouldBe("failed");
        intoHooks.Str("error").ShouldContain("may not write into");
        Directory.GetFiles(world.HooksDir).Length.ShouldBe(13, "nothing was written into the allowlist");
    }

    [Fact]
    public async Task AFailingBeforeHookAbortsTheBackupWhileFinallyRunsAndAHangingHookIsKilledWithItsChildren()
    {
        var backups = await world.StartAsync(tree);
        var plan = await backups.PlanAsync("hooked", [Host], new()
        {
            ["hooks"] = new { before = new[] { "note", "fail", "marker" }, after = new[] { "note" }, onFailure = new[] { "note" }, @finally = new[] { "note" } },
        });
        File.Delete(world.Log);
        var failed = await backups.BackupAsync(plan, Host);
        failed.Str("status").ShouldBe("failed", failed.ToString());
        failed.Str("errorClass").ShouldBe("hook_failed");
        failed.Str("error").ShouldContain("'fail' exited with 7");
        failed.Str("error").ShouldContain("cannot stop the service");
        failed.Str("snapshotId").ShouldBe("", "the backup did not run");
        var runs = failed.GetProperty("hooks").EnumerateArray().Select(h => (h.Str("name"), h.Str("phase"), h.GetProperty("exitCode").GetInt32())).ToList();
        runs.ShouldBe([("note", "before", 0), ("fail", "before", 7), ("note", "onFailure", 0), ("note", "finally", 0)], "the before phase stops at its failure; onFailure and finally run");
        var note = failed.GetProperty("hooks")[0];
        note.Str("outputTail").ShouldBe("my password is [redacted]");
        note.GetProperty("durationMs").GetInt64().ShouldBeGreaterThanOrEqualTo(0);
        File.ReadAllLines(world.Log).ShouldBe(["before status= snapshot= restic=none", "onFailure status=failed snapshot= restic=none", "finally status=failed snapshot= restic=none"]);
        var page = await backups.Admin.GetStringAsync($"/api/v1/jobs/{failed.Str("id")}");
        page.ShouldNotContain(BackupApi.RepoPassword);

        // With continueOnError the backup runs anyway, and after/finally see its snapshot.
        await SetAsync(backups.Admin, plan, new() { ["continueOnError"] = true });
        File.Delete(world.Log);
        var continued = await backups.BackupAsync(plan, Host);
        continued.Str("status").ShouldBe("succeeded", continued.ToString());
        File.ReadAllLines(world.Log)[1].ShouldBe($"after status=succeeded snapshot={continued.Str("snapshotId")} restic=none");

        // A hook that hangs is killed at its timeout, with the child it started; finally still runs.
        await SetAsync(backups.Admin, plan, new() { ["continueOnError"] = false, ["hooks"] = new { before = new[] { "hang" }, @finally = new[] { "note" } } });
        File.Delete(world.Log);
        var hung = await backups.BackupAsync(plan, Host);
        hung.Str("errorClass").ShouldBe("hook_failed");
        hung.Str("error").ShouldContain("killed at its timeout");
        var hang = hung.GetProperty("hooks")[0];
        hang.GetProperty("timedOut").GetBoolean().ShouldBeTrue();
        hang.GetProperty("durationMs").GetInt64().ShouldBeInRange(1900, 15000);
        var child = int.Parse(File.ReadAllText(world.Files.Of("child.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await Eventually.TrueAsync(() => !Directory.Exists($"/proc/{child}"), TimeSpan.FromSeconds(5), "the hook's background child killed with it");
        File.ReadAllLines(world.Log).ShouldBe(["finally status=failed snapshot= restic=none"]);
        backups.Stack.AllOutput.ShouldNotContain(BackupApi.RepoPassword, Case.Sensitive, "neither the server's log nor the agent's");
        backups.Stack.AllOutput.ShouldNotContain(world.Postgres!.Password);
    }

    [Fact]
    public async Task ADumpThatFailsHalfwayFailsTheBackupAndLeavesNoSnapshotOfIt()
    {
        var backups = await world.StartAsync(tree);
        var plan = await backups.PlanAsync("broken dump", [Host], new() { ["databases"] = new[] { "broken-dump" } });
        var backup = await backups.BackupAsync(plan, Host);
        backup.Str("status").ShouldBe("failed", backup.ToString());
        backup.Str("errorClass").ShouldBe("dump_failed");
        backup.Str("error").ShouldContain("exited with 3");
        var dump = backup.GetProperty("dumps").EnumerateArray().Single();
        dump.Str("snapshotId").ShouldBe("");
        backup.GetProperty("hooks").EnumerateArray().Single().Str("outputTail").ShouldContain("lost the connection");
        var snapshots = await BackupApi.SnapshotsAsync(backups.Admin, backups.RepositoryId);
        snapshots.ShouldNotContain(s => s.GetProperty("tags").EnumerateArray().Any(t => t.GetString() == "rm-db:broken-dump"),
            "restic was interrupted before the dump's end, so nothing of it became a snapshot");
    }

    [Fact]
    public async Task ThePlanFormOffersWhatTheHostAllowsAndTheJobPageShowsItsHooks()
    {
        var backups = await world.StartAsync(tree);
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        await page.GotoAsync($"{backups.Stack.Url}/");
        await Chromium.SignInAsync(page, backups.Stack.Url);

        var hostId = (await Api.HostsAsync(backups.Admin)).Single(h => h.Str("hostname") == Host).Str("id");
        // Its page (whose charts include the database-only plans' backups, which have no file summary).
        await page.GotoAsync($"{backups.Stack.Url}/hosts/{hostId}");
        var hostAllows = await page.InnerTextAsync("#host-allowlist");
        hostAllows.ShouldContain("pg-app\tpostgres\tyes");
        hostAllows.ShouldContain("loose\thook\tno: ");
        hostAllows.ShouldNotContain("/bin/sh", Case.Sensitive, "the server never has a command line to show");

        await page.GotoAsync($"{backups.Stack.Url}/plans/new");
        var allowed = await page.InnerTextAsync("#allowed");
        allowed.ShouldContain("pg-app\tpostgres\tdb1");
        allowed.ShouldContain("shop-restore\trestore-command\tdb1");
        allowed.ShouldNotContain("loose", Case.Sensitive, "an entry the host will not run is not offered");
        await page.FillAsync("input[name='Form.Name']", "hooked from the page");
        await page.FillAsync("textarea[name='Form.Paths']", backups.Source(Host));
        await page.SelectOptionAsync("select[name='Form.Hosts']", new[] { hostId });
        await page.FillAsync("input[name='Form.BeforeHooks']", "note");
        await page.FillAsync("input[name='Form.FinallyHooks']", "note, no-such-hook");
        await page.ClickAsync("#plan-form button[type=submit]");
        (await page.InnerTextAsync("#hooks-error")).ShouldContain("no host of this plan allows the finally hook 'no-such-hook'");
        await page.FillAsync("input[name='Form.FinallyHooks']", "note");
        await page.ClickAsync("#plan-form button[type=submit]");
        await page.WaitForSelectorAsync("#run-now");
        (await page.InnerTextAsync("#allowed")).ShouldContain("pg-app\tpostgres\tdb1\t—", Case.Sensitive, "the plan's host allows it");
        await page.ScreenshotAsync(new() { Path = Screenshots.Path("plan-hooks.png"), FullPage = true });

        await page.ClickAsync("#run-now button[type=submit]");
        await page.WaitForURLAsync("**/jobs/*");
        var id = page.Url.Split('/').Last();
        (await BackupApi.WaitForJobAsync(backups.Admin, id, TimeSpan.FromSeconds(60))).Str("status").ShouldBe("succeeded");
        await page.WaitForSelectorAsync("#job-hooks");
        var hooks = await page.InnerTextAsync("#job-hooks");
        hooks.ShouldContain("note\tbefore\t0");
        hooks.ShouldContain("my password is [redacted]");
        hooks.ShouldContain("note\tfinally\t0");
        (await page.ContentAsync()).ShouldNotContain(BackupApi.RepoPassword);
        await page.ScreenshotAsync(new() { Path = Screenshots.Path("job-hooks.png"), FullPage = true });
    }

    /// <summary>Waits until the host is online and reports an allowlist (by name) that satisfies <paramref name="condition"/>.</summary>
    private static async Task ReportedAsync(HttpClient admin, Func<Dictionary<string, JsonElement>, bool> condition, string what) =>
        await Api.WaitForHostsAsync(admin, hosts => hosts.Any(h => h.Str("hostname") == Host && h.Str("status") == "online"
            && h.GetProperty("allowlist").ValueKind == JsonValueKind.Array
            && condition(h.GetProperty("allowlist").EnumerateArray().ToDictionary(e => e.Str("name")))), TimeSpan.FromSeconds(30), what);

    [Fact]
    public async Task WhenResticCannotStoreADumpTheDumpIsStoppedAndResticsErrorIsTheJobs()
    {
        var backups = await world.StartAsync(tree);
        // The same repository with a wrong password: restic fails at once, while the dump (which never ends by itself) runs.
        var wrong = await BackupApi.CreateRepositoryAsync(backups.Admin, "wrong password", backups.RepositoryPath, password: "not-the-password");
        var plan = await backups.PlanAsync("endless dump", [Host], new() { ["repositoryId"] = wrong, ["paths"] = Array.Empty<string>(), ["databases"] = new[] { "endless-dump" } });

        var backup = await backups.BackupAsync(plan, Host);

        backup.Str("status").ShouldBe("failed", backup.ToString());
        backup.Str("errorClass").ShouldBe("wrong_password");
        backup.Str("error").ShouldContain("which was stopped");
        backup.GetProperty("dumps")[0].Str("snapshotId").ShouldBe("");
        await Eventually.TrueAsync(() => !Running("yes"), TimeSpan.FromSeconds(5), "the dump stopped, not left running");
    }

    private static bool Running(string command) =>
        Directory.EnumerateDirectories("/proc").Any(p => int.TryParse(Path.GetFileName(p), out _) && ReadComm(p) == command);

    private static string? ReadComm(string process)
    {
        try
        {
            return File.ReadAllText(Path.Join(process, "comm")).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task SetAsync(HttpClient admin, string planId, Dictionary<string, object?> changes)
    {
        var plan = System.Text.Json.Nodes.JsonNode.Parse(await admin.GetStringAsync($"/api/v1/plans/{planId}"))!.AsObject();
        foreach (var (key, value) in changes)
        {
            plan[key] = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(value));
        }

        using var response = await admin.PutAsJsonAsync($"/api/v1/plans/{planId}", plan);
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }

    private static SqliteConnection Open(string file)
    {
        var connection = new SqliteConnection($"Data Source={file};Pooling=false;Default Timeout=30");
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    private static string Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }
}
