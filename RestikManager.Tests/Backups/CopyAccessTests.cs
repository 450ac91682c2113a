using RestikManager.Contracts.Protocol;
using RestikManager.Server.Repositories;

namespace RestikManager.Tests.Backups;

/// <summary>How a copy's two repositories become one restic environment.</summary>
public sealed class CopyAccessTests
{
    private static RepositoryAccess Access(string id, string url, params (string Name, string Value)[] env) =>
        new(id, url, env.ToDictionary(e => e.Name, e => e.Value));

    [Fact]
    public void TheSourceGoesInAsResticsFromVariablesBesideTheTargetsOwn()
    {
        var target = Access("t", "s3:s3.example.org/offsite", ("RESTIC_PASSWORD", "target-pw"), ("AWS_ACCESS_KEY_ID", "key"));
        var source = Access("s", "/srv/repo", ("RESTIC_PASSWORD", "source-pw"));

        var (merged, problem) = CopyAccess.Merge(target, source);

        problem.ShouldBeNull();
        merged!.Url.ShouldBe("s3:s3.example.org/offsite");
        merged.Environment.ShouldBe(new Dictionary<string, string>
        {
            ["RESTIC_PASSWORD"] = "target-pw", ["AWS_ACCESS_KEY_ID"] = "key",
            ["RESTIC_FROM_PASSWORD"] = "source-pw", ["RESTIC_FROM_REPOSITORY"] = "/srv/repo",
        }, ignoreOrder: true);
    }

    [Fact]
    public void ABackendCredentialBothSetDifferentlyIsRefusedByNameNeverByValue()
    {
        var target = Access("t", "s3:a/b", ("RESTIC_PASSWORD", "x"), ("AWS_SECRET_ACCESS_KEY", "target-secret"));
        var source = Access("s", "s3:c/d", ("RESTIC_PASSWORD", "y"), ("AWS_SECRET_ACCESS_KEY", "source-secret"));

        var (merged, problem) = CopyAccess.Merge(target, source);

        merged.ShouldBeNull();
        problem!.ShouldContain("AWS_SECRET_ACCESS_KEY");
        problem!.ShouldNotContain("target-secret");
        problem!.ShouldNotContain("source-secret");
    }

    [Fact]
    public void TheSameCredentialWithTheSameValueIsShared()
    {
        var target = Access("t", "s3:a/b", ("RESTIC_PASSWORD", "x"), ("AWS_ACCESS_KEY_ID", "same"));
        var source = Access("s", "s3:c/d", ("RESTIC_PASSWORD", "y"), ("AWS_ACCESS_KEY_ID", "same"));
        CopyAccess.Merge(target, source).Access!.Environment["AWS_ACCESS_KEY_ID"].ShouldBe("same");
    }
}
