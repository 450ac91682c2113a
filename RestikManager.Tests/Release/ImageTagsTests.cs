using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Release;

/// <summary><c>deploy/release/image-tags.sh</c>: DESIGN.md's release-tag rules, run for real.</summary>
public sealed class ImageTagsTests
{
    [Theory]
    [InlineData("v1.2.3", "v1.2.3 1.2 1 latest")]
    [InlineData("v10.0.0", "v10.0.0 10.0 10 latest")]
    [InlineData("v0.4.1", "v0.4.1 0.4 0")]
    [InlineData("v0.0.0", "v0.0.0 0.0 0")]
    public async Task ReleaseTagGetsFloatingTagsAndLatestOnlyFromOne(string tag, string expected)
    {
        var (code, tags) = await Tags("tag", tag);

        code.ShouldBe(0);
        tags.ShouldBe(expected.Split(' '));
    }

    [Theory]
    [InlineData("v1.2.3-rc.1")]
    [InlineData("v2.0.0-beta")]
    [InlineData("v0.1.0-alpha.2")]
    public async Task PreReleaseGetsOnlyItsOwnTag(string tag)
    {
        var (code, tags) = await Tags("tag", tag);

        code.ShouldBe(0);
        tags.ShouldBe([tag]);
    }

    [Fact]
    public async Task DispatchGetsOnlyASnapshotTag()
    {
        var (code, tags) = await Tags("dispatch", "3f9a1c0b7d2e4f6a8b9c0d1e2f3a4b5c6d7e8f90");

        code.ShouldBe(0);
        tags.ShouldBe(["snapshot-3f9a1c0"]);
    }

    [Theory]
    [InlineData("tag", "1.2.3")]
    [InlineData("tag", "v1.2")]
    [InlineData("tag", "v1.2.3.4")]
    [InlineData("tag", "v01.2.3")]
    [InlineData("tag", "v1.02.3")]
    [InlineData("tag", "vx.y.z")]
    [InlineData("tag", "v1.2.3+build.5")]
    [InlineData("tag", "v1.2.3-")]
    [InlineData("tag", "v1.2.3-rc..1")]
    [InlineData("tag", "v1.2.3-rc/1")]
    [InlineData("tag", "latest")]
    [InlineData("tag", "")]
    [InlineData("dispatch", "abc12")]
    [InlineData("dispatch", "NOT-HEX-AT-ALL")]
    [InlineData("dispatch", "")]
    [InlineData("push", "v1.2.3")]
    public async Task MalformedInputFailsWithAReasonAndNoTags(string kind, string value)
    {
        var (code, output) = await ChildProcess.RunAsync("sh", [RepoPaths.Of("deploy", "release", "image-tags.sh"), kind, value]);

        code.ShouldBe(1);
        output.ShouldStartWith("image-tags.sh: ");
        output.Split('\n').ShouldHaveSingleItem();
    }

    private static async Task<(int Code, string[] Tags)> Tags(string kind, string value)
    {
        var (code, output) = await ChildProcess.RunAsync("sh", [RepoPaths.Of("deploy", "release", "image-tags.sh"), kind, value]);
        return (code, output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
