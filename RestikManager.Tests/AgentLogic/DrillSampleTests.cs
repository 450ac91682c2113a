using RestikManager.Agent.Drills;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Tests.AgentLogic;

/// <summary>How a drill picks its files, escapes them for restic, and how a check's read-data subset is checked.</summary>
public sealed class DrillSampleTests
{
    private static IEnumerable<SnapshotFile> Tree()
    {
        for (var i = 0; i < 5000; i++)
        {
            yield return new SnapshotFile($"/srv/data/d{i % 50}/f{i}", 100 + (i % 7));
        }

        yield return new SnapshotFile("/srv/big.iso", 900_000);              // larger than the budget: never chosen
        yield return new SnapshotFile("/srv/largest-that-fits.bin", 6_000);
        yield return new SnapshotFile("/srv/a/b/c/d/e/f/g/deep.txt", 10);
    }

    [Fact]
    public void TheSampleHasTheLargestFileThatFitsTheDeepestAndRandomOthersWithinBothBounds()
    {
        var sample = new DrillSample(files: 20, maxBytes: 8_000, new Random(7));
        foreach (var file in Tree())
        {
            sample.Add(file);
        }

        var chosen = sample.Choose();

        chosen.Select(f => f.Path).ShouldContain("/srv/largest-that-fits.bin");
        chosen.Select(f => f.Path).ShouldContain("/srv/a/b/c/d/e/f/g/deep.txt");
        chosen.Select(f => f.Path).ShouldNotContain("/srv/big.iso");
        chosen.Count.ShouldBeLessThanOrEqualTo(20);
        chosen.Sum(f => f.Size).ShouldBeLessThanOrEqualTo(8_000);
        chosen.Count.ShouldBeGreaterThan(2, "random files fill what the budget leaves");
        chosen.Select(f => f.Path).Distinct().Count().ShouldBe(chosen.Count);
    }

    [Fact]
    public void RandomPicksReachTheWholeListingNotOnlyItsStart()
    {
        var seen = new HashSet<string>();
        for (var seed = 0; seed < 20; seed++)
        {
            var sample = new DrillSample(files: 10, maxBytes: long.MaxValue, new Random(seed));
            foreach (var file in Tree().Take(5000))
            {
                sample.Add(file);
            }

            seen.UnionWith(sample.Choose().Select(f => f.Path));
        }

        seen.Count(p => int.Parse(p[(p.LastIndexOf('f') + 1)..]) >= 2500).ShouldBeGreaterThan(20);
    }

    [Fact]
    public void NothingFitsNothingIsChosen()
    {
        var sample = new DrillSample(files: 5, maxBytes: 50, new Random(1));
        sample.Add(new SnapshotFile("/srv/x", 51));
        sample.Choose().ShouldBeEmpty();
    }

    [Theory]
    [InlineData("/srv/plain.txt", "/srv/plain.txt")]
    [InlineData("/srv/we*ird [x]?.txt", @"/srv/we\*ird \[x]\?.txt")]
    [InlineData(@"/srv/back\slash", @"/srv/back\\slash")]
    public void AnIncludePatternMatchesOnlyItsOwnPath(string path, string pattern)
    {
        DrillRunner.IncludePattern(path).ShouldBe(pattern);
    }

    [Theory]
    [InlineData("5%", true)]
    [InlineData("2.5%", true)]
    [InlineData("100%", true)]
    [InlineData("500M", true)]
    [InlineData("2G", true)]
    [InlineData("0%", false)]
    [InlineData("200%", false)]
    [InlineData("0M", false)]
    [InlineData("--all", false)]
    [InlineData("5", false)]
    [InlineData("", false)]
    public void AReadDataSubsetIsAPercentageOrASize(string value, bool valid) => ReadDataSubset.IsValid(value).ShouldBe(valid);
}
