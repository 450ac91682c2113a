using System.Security.Cryptography;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Distribution;

/// <summary>What <c>deploy/publish.sh</c> lays out: DESIGN.md's tree, modes, checksums and stamped agents.</summary>
[Collection(PublishedTreeGroup.Name)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class PublishedTreeTests(PublishedTree tree)
{
    [Fact]
    public void LaysOutExactlyTheDesignedFilesWithTheirModes()
    {
        var files = Directory.EnumerateFiles(tree.Dist, "*", SearchOption.AllDirectories)
            .Select(f => $"{Path.GetRelativePath(tree.Dist, f)} {Convert.ToString((int)File.GetUnixFileMode(f), 8)}")
            .Order(StringComparer.Ordinal);

        files.ShouldBe(
        [
            "SHA256SUMS 644",
            "agent-binaries/restic-manager-agent-linux-amd64 755",
            "agent-binaries/restic-manager-agent-linux-amd64.version 644",
            "agent-binaries/restic-manager-agent-linux-arm64 755",
            "agent-binaries/restic-manager-agent-linux-arm64.version 644",
            "agent-binaries/restic-manager-agent-windows-amd64.exe 755",
            "agent-binaries/restic-manager-agent-windows-amd64.exe.version 644",
            "install/install.ps1 644",
            "install/install.sh 755",
            "install/restic-manager-agent.service 644",
        ]);
    }

    [Fact]
    public void Sha256SumsMatchesEveryOtherFile()
    {
        var lines = File.ReadAllLines(Path.Join(tree.Dist, "SHA256SUMS"));
        var expected = Directory.EnumerateFiles(tree.Dist, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "SHA256SUMS")
            .Select(f => Path.GetRelativePath(tree.Dist, f))
            .Order(StringComparer.Ordinal)
            .Select(f => $"{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Join(tree.Dist, f))))}  {f}");

        lines.ShouldBe(expected);
    }

    [Fact]
    public async Task SumsVerifyWithTheStandardTool()
    {
        var (code, output) = await ChildProcess.RunAsync("sha256sum", ["--check", "--strict", "SHA256SUMS"], workingDirectory: tree.Dist);

        code.ShouldBe(0, output);
    }

    [Fact]
    public void EachAgentStatesItsVersionBesideIt()
    {
        foreach (var target in PublishedTree.Targets)
        {
            File.ReadAllText(tree.Agent(target) + ".version").ShouldBe(PublishedTree.Version + "\n", target);
        }
    }

    [Fact]
    public async Task LinuxAgentRunsAndPrintsTheStampedVersion()
    {
        var (code, output) = await ChildProcess.RunAsync(tree.Agent("linux-amd64"), ["--version"]);

        code.ShouldBe(0, output);
        output.Trim().ShouldBe($"restic-manager-agent {PublishedTree.Version} (commit {PublishedTree.Commit}, built {PublishedTree.Date})");
    }

    [Fact]
    public void AgentsStayUnderTwentyMegabytes()
    {
        foreach (var target in PublishedTree.Targets)
        {
            new FileInfo(tree.Agent(target)).Length.ShouldBeLessThan(20L * 1024 * 1024, target);
        }
    }

    [Fact]
    public async Task TheArm64AgentRunsUnderEmulationAndCarriesItsStamp()
    {
        // Debian's qemu-user-static with the arm64 C runtime of the cross packages (test.sh installs both).
        const string qemu = "/usr/bin/qemu-aarch64-static";
        const string sysroot = "/usr/aarch64-linux-gnu";
        File.Exists(qemu).ShouldBeTrue("qemu-user-static is missing: apt-get install qemu-user-static (test.sh does)");
        File.Exists(Path.Join(sysroot, "lib", "libstdc++.so.6")).ShouldBeTrue(
            "the arm64 C/C++ runtime is missing: apt-get install libc6-arm64-cross libstdc++6-arm64-cross (test.sh does)");

        var (code, output) = await ChildProcess.RunAsync(qemu, ["-L", sysroot, tree.Agent("linux-arm64"), "--version"], timeout: TimeSpan.FromMinutes(2));

        code.ShouldBe(0, output);
        output.Trim().ShouldBe($"restic-manager-agent {PublishedTree.Version} (commit {PublishedTree.Commit}, built {PublishedTree.Date})");
        var elf = File.ReadAllBytes(tree.Agent("linux-arm64"))[..20];
        elf[..4].ShouldBe("\u007fELF"u8.ToArray());
        BitConverter.ToUInt16(elf, 18).ShouldBe((ushort)183, "machine type AArch64");
    }

    [Fact]
    public void WindowsAgentIsAWindowsExecutable()
    {
        var bytes = File.ReadAllBytes(tree.Agent("windows-amd64"));
        var peOffset = BitConverter.ToInt32(bytes, 0x3C);

        bytes[..2].ShouldBe("MZ"u8.ToArray());
        bytes[peOffset..(peOffset + 4)].ShouldBe("PE\0\0"u8.ToArray());
        BitConverter.ToUInt16(bytes, peOffset + 4).ShouldBe((ushort)0x8664, "machine type x64");
    }

    [Fact]
    public void InstallAssetsAreTheRepositoryOnes()
    {
        foreach (var name in new[] { "install.sh", "install.ps1", "restic-manager-agent.service" })
        {
            File.ReadAllBytes(Path.Join(tree.Dist, "install", name)).ShouldBe(File.ReadAllBytes(RepoPaths.Of("deploy", "install", name)), name);
        }
    }

    [Fact]
    public async Task RefusesUnknownTargetsAndArguments()
    {
        using var dir = new TempDir();
        var script = RepoPaths.Of("deploy", "publish.sh");

        var badTarget = await ChildProcess.RunAsync("bash", [script, "--out", dir.Path, "--targets", "linux-mips", "--server", "none"]);
        var badArg = await ChildProcess.RunAsync("bash", [script, "--out", dir.Path, "--bogus"]);
        var noOut = await ChildProcess.RunAsync("bash", [script]);

        badTarget.ExitCode.ShouldBe(2);
        badTarget.Output.ShouldContain("unknown target 'linux-mips'");
        badArg.ExitCode.ShouldBe(2);
        badArg.Output.ShouldContain("unknown argument '--bogus'");
        noOut.ExitCode.ShouldBe(2);
        noOut.Output.ShouldContain("--out DIR is required");
    }

    [Fact]
    public async Task CarriesTheResticItIsGivenListedInTheSums()
    {
        using var dir = new TempDir();
        var script = RepoPaths.Of("deploy", "publish.sh");
        var restic = dir.Write("fetched/restic-linux-amd64", "#!/bin/sh\necho restic 0.17.3\n");
        dir.Write("fetched/restic-mips", "not a platform we carry");
        Directory.CreateDirectory(dir.Of("empty"));

        var (code, output) = await ChildProcess.RunAsync("bash",
            [script, "--out", dir.Of("out"), "--targets", "none", "--server", "none", "--restic-dir", dir.Of("fetched")]);
        var empty = await ChildProcess.RunAsync("bash", [script, "--out", dir.Of("out2"), "--targets", "none", "--server", "none", "--restic-dir", dir.Of("empty")]);

        code.ShouldBe(0, output);
        var dist = dir.Of("out", "dist");
        Directory.GetFiles(Path.Join(dist, "restic")).Select(Path.GetFileName).ShouldBe(["restic-linux-amd64"]);
        File.ReadAllBytes(Path.Join(dist, "restic", "restic-linux-amd64")).ShouldBe(File.ReadAllBytes(restic));
        Convert.ToString((int)File.GetUnixFileMode(Path.Join(dist, "restic", "restic-linux-amd64")), 8).ShouldBe("755");
        File.ReadAllLines(Path.Join(dist, "SHA256SUMS")).ShouldContain(
            $"{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(restic)))}  restic/restic-linux-amd64");
        empty.ExitCode.ShouldBe(2);
        empty.Output.ShouldContain("holds none of restic-linux-amd64");
        Directory.Exists(dir.Of("out2", "dist")).ShouldBeFalse("a refused publish writes nothing");
    }
}
