using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Install;

/// <summary>
/// <c>install.sh</c> run for real, piped from the real server as an operator would, into a temporary root
/// (<c>--prefix</c>) with a <c>systemctl</c> on PATH that records what it is asked to do.
/// </summary>
[Collection(PublishedTreeGroup.Install)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class InstallScriptTests(PublishedTree tree) : IAsyncLifetime, IDisposable
{
    private PublishedStack _stack = null!;
    private TempDir _host = null!;

    private string Prefix => _host.Of("root");

    private string SystemctlLog => _host.Of("systemctl.log");

    public async Task InitializeAsync()
    {
        _stack = await PublishedStack.StartAsync(tree);
        _host = new TempDir("rm-host");
        _host.Write("bin/systemctl", "#!/bin/sh\necho \"$*\" >> \"$SYSTEMCTL_LOG\"\n");
        File.SetUnixFileMode(_host.Of("bin", "systemctl"), (UnixFileMode)0b111_101_101);
    }

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        Dispose();
    }

    public void Dispose() => _host?.Dispose();

    [Fact]
    public async Task InstallsTheVerifiedAgentEnrollsItAndEnablesTheService()
    {
        var token = await Api.EnrollmentTokenAsync(_stack.Admin);

        var (code, output) = await Install(_stack.Url, "--token", token, "--hostname", "db1");

        code.ShouldBe(0, output);
        output.ShouldContain($"installed restic-manager-agent {PublishedTree.Version}");
        File.ReadAllBytes(Path.Join(Prefix, "usr/local/bin/restic-manager-agent")).ShouldBe(File.ReadAllBytes(tree.Agent("linux-amd64")));
        File.GetUnixFileMode(Path.Join(Prefix, "etc/restic-manager/agent.json")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var hooks = Path.Join(Prefix, "etc/restic-manager/hooks.d");
        File.GetUnixFileMode(hooks).ShouldBe((UnixFileMode)0b111_101_101, "the allowlist folder: only root writes it");
        File.ReadAllText(Path.Join(hooks, "app-db.json.sample")).ShouldContain("\"kind\": \"postgres\"");
        Directory.GetFiles(hooks, "*.json").ShouldBeEmpty("the sample allows nothing until it is copied to <name>.json");
        File.ReadAllText(Path.Join(Prefix, "etc/systemd/system/restic-manager-agent.service")).ShouldContain($"Documentation={_stack.Url}");
        File.ReadAllLines(SystemctlLog).ShouldBe(["daemon-reload", "enable restic-manager-agent.service", "start restic-manager-agent.service"]);
        (await Api.HostsAsync(_stack.Admin)).ShouldHaveSingleItem().GetProperty("hostname").GetString().ShouldBe("db1");
    }

    [Fact]
    public async Task ASecondRunUpgradesInPlaceAndUninstallCleansUp()
    {
        (await Install(_stack.Url, "--token", await Api.EnrollmentTokenAsync(_stack.Admin), "--hostname", "db1")).ExitCode.ShouldBe(0);
        var config = File.ReadAllText(Path.Join(Prefix, "etc/restic-manager/agent.json"));

        var (upgrade, upgradeOutput) = await Install(_stack.Url);
        var (again, againOutput) = await Install(_stack.Url, "--token", await Api.EnrollmentTokenAsync(_stack.Admin));
        var (removed, removedOutput) = await Install(_stack.Url, "--uninstall");

        upgrade.ShouldBe(0, upgradeOutput);
        upgradeOutput.ShouldContain("upgraded to restic-manager-agent");
        again.ShouldBe(1);
        againOutput.ShouldContain("already enrolled");
        removed.ShouldBe(0, removedOutput);
        File.ReadAllLines(SystemctlLog).ShouldContain("restart restic-manager-agent.service");
        File.ReadAllLines(SystemctlLog).ShouldContain("disable --now restic-manager-agent.service");
        Directory.EnumerateFiles(Prefix, "*", SearchOption.AllDirectories).ShouldBeEmpty();
        config.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task ATamperedBinaryIsRefusedAndNothingIsInstalled()
    {
        await using var proxy = await TamperingProxy.StartAsync(_stack.Url);
        var token = await Api.EnrollmentTokenAsync(_stack.Admin);

        var through = proxy.Url.ToString().TrimEnd('/');

        var (code, output) = await Install(through, "--server", through, "--token", token);

        code.ShouldBe(1);
        output.ShouldContain("checksum mismatch");
        output.ShouldContain("nothing was installed");
        Directory.Exists(Prefix).ShouldBeFalse();
        File.Exists(SystemctlLog).ShouldBeFalse();
        (await Api.HostsAsync(_stack.Admin)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ABadTokenFailsClearlyAndEnrollsNothing()
    {
        var (code, output) = await Install(_stack.Url, "--token", "rme_not-a-real-token");

        code.ShouldBe(1);
        output.ShouldContain("enrollment refused (401): The enrollment token is unknown, expired or already used");
        File.Exists(Path.Join(Prefix, "etc/restic-manager/agent.json")).ShouldBeFalse();
        File.Exists(SystemctlLog).ShouldBeFalse();
    }

    [Fact]
    public async Task FirstInstallWithoutATokenSaysSo()
    {
        var (code, output) = await Install(_stack.Url);

        code.ShouldBe(1);
        output.ShouldContain("not enrolled yet: pass --token");
        Directory.Exists(Prefix).ShouldBeFalse();
    }

    [Fact]
    public async Task AnUnreachableServerFailsClearly()
    {
        var (code, output) = await RunScript(await _stack.Admin.GetStringAsync("/install/install.sh"),
            "--server", "http://127.0.0.1:1", "--token", "rme_x", "--prefix", Prefix);

        code.ShouldBe(1);
        output.ShouldContain("cannot download the agent from http://127.0.0.1:1");
        Directory.Exists(Prefix).ShouldBeFalse();
    }

    [Fact]
    public async Task NoSystemdIsAClearError()
    {
        // A PATH that holds only `id`: the script can tell it runs as root, and finds no systemctl.
        Directory.CreateDirectory(_host.Of("bare"));
        File.CreateSymbolicLink(_host.Of("bare", "id"), "/usr/bin/id");
        var script = _host.Write("install.sh", await _stack.Admin.GetStringAsync("/install/install.sh"));

        var (code, output) = await ChildProcess.RunAsync("/bin/sh", [script, "--token", "rme_x", "--prefix", Prefix],
            new Dictionary<string, string?> { ["PATH"] = _host.Of("bare") });

        code.ShouldBe(1);
        output.ShouldContain("systemd (systemctl) is required");
        Directory.Exists(Prefix).ShouldBeFalse();
    }

    [Fact]
    public async Task WithoutResticOnPathItInstallsOnlyWhenTheServerProvidesOne()
    {
        // Every command of this machine except restic.
        var noRestic = _host.Of("no-restic");
        Directory.CreateDirectory(noRestic);
        foreach (var file in new[] { "/usr/bin", "/usr/sbin" }.SelectMany(Directory.EnumerateFiles).Where(f => Path.GetFileName(f) != "restic"))
        {
            var link = Path.Join(noRestic, Path.GetFileName(file));
            if (!File.Exists(link))
            {
                File.CreateSymbolicLink(link, file);
            }
        }

        var env = Env(_stack.Url);
        env["PATH"] = $"{_host.Of("bin")}:{noRestic}";
        var token = await Api.EnrollmentTokenAsync(_stack.Admin);
        var run = new[] { "-c", "curl -fsSL \"$SERVER/install/install.sh\" | sh -s -- --prefix \"$PREFIX\" --token \"$1\" --hostname db9", "install", token };

        var (refused, refusedOutput) = await ChildProcess.RunAsync("sh", run, env);
        var installedAfterRefusal = Directory.Exists(Prefix);
        var served = _stack.Root.Of("server-data", "restic", "restic-linux-amd64");
        Directory.CreateDirectory(Path.GetDirectoryName(served)!);
        await File.WriteAllTextAsync(served, "#!/bin/sh\necho 'restic 0.17.3'\n");
        var (code, output) = await ChildProcess.RunAsync("sh", run, env);

        refused.ShouldBe(1, refusedOutput);
        refusedOutput.ShouldContain($"restic is not installed and {_stack.Url} provides none; install it first");
        installedAfterRefusal.ShouldBeFalse("a refusal installs nothing");
        code.ShouldBe(0, output);
        output.ShouldContain($"restic is not on PATH: the agent will use the restic {_stack.Url} provides");
        output.ShouldContain($"installed restic-manager-agent {PublishedTree.Version}");
    }

    /// <summary><c>curl -fsSL SERVER/install/install.sh | sh -s -- ARGS</c>, into the test's root.</summary>
    private Task<(int ExitCode, string Output)> Install(string server, params string[] args) =>
        ChildProcess.RunAsync("sh", ["-c", "curl -fsSL \"$SERVER/install/install.sh\" | sh -s -- --prefix \"$PREFIX\" \"$@\"", "install", .. args], Env(server));

    private async Task<(int ExitCode, string Output)> RunScript(string script, params string[] args) =>
        await ChildProcess.RunAsync("sh", [_host.Write("install.sh", script), .. args], Env(_stack.Url));

    private Dictionary<string, string?> Env(string server) => new()
    {
        ["PATH"] = $"{_host.Of("bin")}:{Environment.GetEnvironmentVariable("PATH")}",
        ["SYSTEMCTL_LOG"] = SystemctlLog,
        ["SERVER"] = server,
        ["PREFIX"] = Prefix,
    };
}
