using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Repository;

public sealed class ShellScriptTests
{
    [Fact]
    public async Task EveryShellScriptPassesShellcheck()
    {
        var (listed, files) = await ChildProcess.RunAsync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.sh", ".ci/*"]);
        listed.ShouldBe(0, files);
        var scripts = files.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        scripts.ShouldContain("deploy/install/install.sh");
        scripts.ShouldContain("deploy/publish.sh");

        var (code, output) = await ChildProcess.RunAsync("shellcheck", ["--severity=style", .. scripts]);

        code.ShouldBe(0, output);
    }

    [Fact]
    public async Task InstallScriptIsPosixSh()
    {
        var (code, output) = await ChildProcess.RunAsync("shellcheck", ["--shell=sh", "deploy/install/install.sh", "deploy/release/image-tags.sh"]);

        code.ShouldBe(0, output);
    }
}
