using System.Text.RegularExpressions;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Release;

/// <summary>
/// The image recipe and workflows keep DESIGN.md's rules. No Docker engine runs here (the workflows
/// build the image), so these read the files; the publish script they call is tested for real.
/// </summary>
public sealed partial class ImageRecipeTests
{
    private static readonly string Dockerfile = File.ReadAllText(RepoPaths.Of("deploy", "Dockerfile.server"));

    [Fact]
    public void BuildStagesRunOnTheBuildPlatformThroughThePublishScript()
    {
        var stages = Stages();
        stages.Count.ShouldBeGreaterThan(1);
        foreach (var stage in stages.SkipLast(1))
        {
            stage.ShouldStartWith("FROM --platform=$BUILDPLATFORM ");
            stage.ShouldContain("bash deploy/publish.sh");
        }

        Dockerfile.ShouldNotContain("dotnet publish");
    }

    [Fact]
    public void FinalStageIsChiseledNonRootAndOnlyCopies()
    {
        var final = Stages()[^1];

        Dockerfile.ShouldContain("ARG DOTNET_RUNTIME=mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled-extra");
        final.ShouldStartWith("FROM ${DOTNET_RUNTIME}");
        Instructions(final).ShouldNotContain("RUN");
        final.ShouldContain("USER 1654");
        final.ShouldContain("COPY --from=agents /out/dist /opt/restic-manager/dist");
        final.ShouldContain("--chown=1654:1654 /out/data /var/lib/restic-manager");
        final.ShouldContain("VOLUME /var/lib/restic-manager");
        final.ShouldContain("EXPOSE 8080");
        final.ShouldContain("""HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 CMD ["/app/restic-manager-server", "health"]""");
        foreach (var label in new[] { "source", "revision", "version", "created" })
        {
            final.ShouldContain($"org.opencontainers.image.{label}=");
        }

        foreach (var arg in new[] { "VERSION", "COMMIT", "DATE" })
        {
            final.ShouldContain($"ARG {arg}");
        }
    }

    [Fact]
    public void ReleaseWorkflowUsesTheTestedTagScriptAndOwnRegistrySecrets()
    {
        var release = File.ReadAllText(RepoPaths.Of(".gitea", "workflows", "release.yml"));

        release.ShouldContain("tags: ['v*.*.*']");
        release.ShouldContain("workflow_dispatch:");
        release.ShouldContain("sh deploy/release/image-tags.sh tag \"$GITHUB_REF_NAME\"");
        release.ShouldContain("sh deploy/release/image-tags.sh dispatch \"$GITHUB_SHA\"");
        release.ShouldContain("platforms: linux/amd64,linux/arm64");
        release.ShouldContain("needs: test");
        var secrets = SecretNames().Matches(release).Select(m => m.Groups[1].Value).ToList();
        secrets.ShouldNotBeEmpty();
        secrets.ShouldAllBe(name => !name.StartsWith("GITEA_", StringComparison.Ordinal) && !name.StartsWith("GITHUB_", StringComparison.Ordinal));
    }

    [Fact]
    public void WorkflowsRunTheReadmeTestCommand()
    {
        foreach (var workflow in new[] { "ci.yml", "release.yml" })
        {
            File.ReadAllText(RepoPaths.Of(".gitea", "workflows", workflow)).ShouldContain("run: bash .ci/run");
        }

        File.ReadAllText(RepoPaths.Of(".ci", "run")).ShouldContain("./test.sh");
        File.ReadAllText(RepoPaths.Of("README.md")).ShouldContain("./test.sh");
    }

    private static List<string> Stages() =>
        [.. Regex.Split(Dockerfile, "(?m)^(?=FROM )").Where(s => s.StartsWith("FROM ", StringComparison.Ordinal))];

    private static IEnumerable<string> Instructions(string stage) =>
        stage.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#') && char.IsUpper(l[0]))
            .Select(l => l.Split(' ')[0]);

    [GeneratedRegex(@"secrets\.([A-Za-z0-9_]+)")]
    private static partial Regex SecretNames();
}
