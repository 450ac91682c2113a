using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Install;

/// <summary>
/// <c>install.ps1</c> run for real under PowerShell (the .NET tool test.sh installs), as served by the real server,
/// with only its Windows-only steps stubbed (elevation, the service manager, ACLs; and running the agent, where the
/// stub runs the Linux agent with the same arguments): download, checksum, install, enrollment, service registration.
/// </summary>
[Collection(PublishedTreeGroup.Install)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class InstallPs1Tests(PublishedTree tree) : IAsyncLifetime, IDisposable
{
    // Each replaces the script's function of the same name (see install.ps1) and writes what it was asked to the log.
    private const string Stubs = """
        function global:Test-RmElevated { $env:RM_STUB_ELEVATED -ne '0' }
        function global:Get-RmService { if (Test-Path $env:RM_STUB_SERVICE) { 'restic-manager-agent' } }
        function global:Stop-RmService { Add-Content $env:RM_STUB_LOG 'stop' }
        function global:Remove-RmService { Add-Content $env:RM_STUB_LOG 'delete'; Remove-Item $env:RM_STUB_SERVICE }
        function global:Register-RmService([string]$CommandLine) { Add-Content $env:RM_STUB_LOG "register $CommandLine"; Set-Content $env:RM_STUB_SERVICE $CommandLine }
        function global:Set-RmServiceCommand([string]$CommandLine) { Add-Content $env:RM_STUB_LOG "configure $CommandLine"; Set-Content $env:RM_STUB_SERVICE $CommandLine }
        function global:Start-RmService { Add-Content $env:RM_STUB_LOG 'start' }
        function global:Protect-RmConfigDir([string]$Path) { Add-Content $env:RM_STUB_LOG "protect $Path" }
        function global:Invoke-RmAgent { & $env:RM_STUB_AGENT @args }
        """;

    // Started by the cases that download from a server (parsing the script needs none).
    private PublishedStack? _stack;
    private TempDir _host = null!;

    private string Binary => _host.Of("ProgramFiles", "restic-manager", "restic-manager-agent.exe");

    private string Config => _host.Of("ProgramData", "restic-manager", "agent.json");

    private string StubLog => _host.Of("stub.log");

    /// <summary>What the service runs: the agent as a real Windows service (<c>run --service</c>).</summary>
    private string ServiceCommand => $"\"{Binary}\" run --service --config \"{Config}\"";

    public Task InitializeAsync()
    {
        _host = new TempDir("rm-winhost");
        _host.Write("stubs.ps1", Stubs);
        Directory.CreateDirectory(_host.Of("ProgramFiles"));
        Directory.CreateDirectory(_host.Of("ProgramData"));
        return Task.CompletedTask;
    }

    private async Task<PublishedStack> ServerAsync() => _stack ??= await PublishedStack.StartAsync(tree);

    public async Task DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }

        Dispose();
    }

    public void Dispose() => _host?.Dispose();

    [Fact]
    public async Task TheScriptParses()
    {
        var (code, output) = await Pwsh(
            "$errors = $null; [void][System.Management.Automation.Language.Parser]::ParseFile($env:SCRIPT, [ref]$null, [ref]$errors); " +
            "$errors | ForEach-Object { Write-Output $_.ToString() }; exit $errors.Count",
            new() { ["SCRIPT"] = RepoPaths.Of("deploy", "install", "install.ps1") });

        code.ShouldBe(0, output);
    }

    [Fact]
    public async Task PipedFromTheServerItInstallsTheVerifiedAgentEnrollsAndRegistersTheService()
    {
        var token = await Api.EnrollmentTokenAsync((await ServerAsync()).Admin);

        // As the README says: $env:RM_TOKEN = '…'; irm <server>/install/install.ps1 | iex
        var (code, output) = await Pwsh("irm \"$env:SERVER/install/install.ps1\" | iex", new() { ["RM_TOKEN"] = token });

        code.ShouldBe(0, output);
        output.ShouldContain($"install.ps1: restic-manager-agent {PublishedTree.Version}");
        File.ReadAllBytes(Binary).ShouldBe(File.ReadAllBytes(tree.Agent("windows-amd64")), "the Windows agent, byte for byte");
        File.Exists(Config).ShouldBeTrue(output);
        File.Exists(Path.Join(Path.GetDirectoryName(Config)!, "hooks.d", "app-db.json.sample")).ShouldBeTrue("the allowlist folder, with a sample");
        File.ReadAllLines(StubLog).ShouldBe([
            $"protect {Path.GetDirectoryName(Config)}",
            $"register {ServiceCommand}",
            "start",
        ]);
        (await Api.HostsAsync((await ServerAsync()).Admin)).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task ASecondRunUpgradesInPlaceAndUninstallRemovesEverything()
    {
        (await Pwsh("irm \"$env:SERVER/install/install.ps1\" | iex", new() { ["RM_TOKEN"] = await Api.EnrollmentTokenAsync((await ServerAsync()).Admin) })).ExitCode.ShouldBe(0);

        var (upgrade, upgradeOutput) = await Pwsh("irm \"$env:SERVER/install/install.ps1\" | iex");
        var (again, againOutput) = await Pwsh("irm \"$env:SERVER/install/install.ps1\" | iex", new() { ["RM_TOKEN"] = await Api.EnrollmentTokenAsync((await ServerAsync()).Admin) });
        var (removed, removedOutput) = await Pwsh("irm \"$env:SERVER/install/install.ps1\" | iex", new() { ["RM_UNINSTALL"] = "1" });

        upgrade.ShouldBe(0, upgradeOutput);
        again.ShouldBe(1);
        againOutput.ShouldContain("already enrolled");
        removed.ShouldBe(0, removedOutput);
        File.ReadAllLines(StubLog).ShouldBe([
            $"protect {Path.GetDirectoryName(Config)}", $"register {ServiceCommand}", "start",
            "stop", $"configure {ServiceCommand}", "start",
            "stop", "delete",
        ]);
        Directory.Exists(_host.Of("ProgramFiles", "restic-manager")).ShouldBeFalse();
        Directory.Exists(_host.Of("ProgramData", "restic-manager")).ShouldBeFalse();
    }

    [Fact]
    public async Task ATamperedDownloadIsRefusedAndNothingIsInstalled()
    {
        await using var proxy = await TamperingProxy.StartAsync((await ServerAsync()).Url);
        var through = proxy.Url.ToString().TrimEnd('/');
        var script = _host.Write("install.ps1", await (await ServerAsync()).Admin.GetStringAsync("/install/install.ps1"));

        var (code, output) = await Pwsh("& $env:SCRIPT -Server $env:THROUGH -Token $env:RM_TOKEN",
            new() { ["SCRIPT"] = script, ["THROUGH"] = through, ["RM_TOKEN"] = await Api.EnrollmentTokenAsync((await ServerAsync()).Admin) });

        code.ShouldBe(1);
        output.ShouldContain("checksum mismatch");
        output.ShouldContain("nothing was installed");
        File.Exists(Binary).ShouldBeFalse();
        File.Exists(StubLog).ShouldBeFalse("no service was touched");
        (await Api.HostsAsync((await ServerAsync()).Admin)).ShouldBeEmpty();
    }

    [Fact]
    public async Task WithoutElevationOrATokenItSaysWhatIsMissing()
    {
        await ServerAsync();
        var (notAdmin, notAdminOutput) = await Pwsh("irm \"$env:SERVER/install/install.ps1\" | iex", new() { ["RM_TOKEN"] = "rme_x", ["RM_STUB_ELEVATED"] = "0" });
        var (noToken, noTokenOutput) = await Pwsh("irm \"$env:SERVER/install/install.ps1\" | iex");

        notAdmin.ShouldBe(1);
        notAdminOutput.ShouldContain("run this in an elevated (Administrator) PowerShell");
        noToken.ShouldBe(1);
        noTokenOutput.ShouldContain("not enrolled yet: pass -Token");
        File.Exists(Binary).ShouldBeFalse();
    }

    /// <summary>Runs <paramref name="command"/> in PowerShell with the stubs loaded and Windows' folders in the test's root.</summary>
    private async Task<(int ExitCode, string Output)> Pwsh(string command, Dictionary<string, string?>? env = null)
    {
        var pwsh = PowerShell();
        var all = new Dictionary<string, string?>
        {
            ["ProgramFiles"] = _host.Of("ProgramFiles"),
            ["ProgramData"] = _host.Of("ProgramData"),
            ["RM_STUB_LOG"] = StubLog,
            ["RM_STUB_SERVICE"] = _host.Of("service"),
            ["RM_STUB_AGENT"] = tree.Agent("linux-amd64"),
            ["SERVER"] = _stack?.Url,
            ["RM_TOKEN"] = null,
        };
        foreach (var (key, value) in env ?? [])
        {
            all[key] = value;
        }

        return await ChildProcess.RunAsync(pwsh, ["-NoProfile", "-NonInteractive", "-Command", $". '{_host.Of("stubs.ps1")}'; {command}"], all,
            timeout: TimeSpan.FromMinutes(2));
    }

    private static string PowerShell()
    {
        var local = RepoPaths.Of(".tools", "pwsh");
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Join(d, "pwsh")).FirstOrDefault(File.Exists);
        var found = File.Exists(local) ? local : onPath;
        found.ShouldNotBeNull("PowerShell is missing: ./test.sh installs it (dotnet tool install --tool-path .tools PowerShell --version 7.6.10)");
        return found;
    }
}
