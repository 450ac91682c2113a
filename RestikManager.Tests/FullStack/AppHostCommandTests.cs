using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.FullStack;

/// <summary>The AppHost's own settings: a bad host count and a missing restic stop it before anything (DCP, dashboard) starts.</summary>
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class AppHostCommandTests
{
    private static readonly string AppHost = Path.Join(AppContext.BaseDirectory, "RestikManager.AppHost.dll");

    [Theory]
    [InlineData("--hosts", "51", "apphost: --hosts must be from 0 to 50 (got '51')")]
    [InlineData("--hosts", "-1", "apphost: --hosts must be from 0 to 50 (got '-1')")]
    [InlineData("--hosts", "many", "apphost: --hosts must be from 0 to 50 (got 'many')")]
    [InlineData("--Parameters:hosts", "1.5", "apphost: --hosts must be from 0 to 50 (got '1.5')")]
    [InlineData("--Parameters:bundled-assets-dir", "/nonexistent/dist", "apphost: --Parameters:bundled-assets-dir: /nonexistent/dist does not exist")]
    [InlineData("--otlp-endpoint", "collector:4318", "apphost: --otlp-endpoint must be an http(s) URL of an OTLP/HTTP receiver (got 'collector:4318')")]
    public async Task BadOptionsAreRefused(string option, string value, string message)
    {
        var (code, output) = await ChildProcess.RunAsync("dotnet", [AppHost, option, value], timeout: TimeSpan.FromSeconds(60));

        code.ShouldBe(1);
        output.Trim().ShouldBe(message, "nothing starts");
    }

    [Fact]
    public async Task WithoutResticItSaysHowToInstallIt()
    {
        using var empty = new TempDir();

        var (code, output) = await ChildProcess.RunAsync("dotnet", [AppHost, "--hosts", "1"],
            new Dictionary<string, string?> { ["PATH"] = empty.Path }, TimeSpan.FromSeconds(60));

        code.ShouldBe(1);
        output.Trim().ShouldBe("apphost: restic is not installed; install it first (Debian/Ubuntu: sudo apt-get install restic)");
    }
}
