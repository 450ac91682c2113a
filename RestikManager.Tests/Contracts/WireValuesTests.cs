using RestikManager.Contracts.Protocol;

namespace RestikManager.Tests.Contracts;

/// <summary>One spelling per place: absolute paths are accepted only in canonical form, and the canonical form is named.</summary>
public sealed class WireValuesTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/srv/data")]
    [InlineData("/srv/my backups/.hidden")]
    [InlineData("/srv/..data")]
    [InlineData("C:\\")]
    [InlineData("C:\\Data\\Users")]
    [InlineData("d:/data/users")]
    public void CanonicalAbsolutePathsAreAccepted(string path)
    {
        WireValues.IsAbsolutePath(path).ShouldBeTrue();
        WireValues.Canonical(path).ShouldBe(path);
    }

    [Theory]
    [InlineData("/srv/../etc", "/etc")]
    [InlineData("/srv/./data", "/srv/data")]
    [InlineData("/srv//data", "/srv/data")]
    [InlineData("/srv/data/", "/srv/data")]
    [InlineData("/srv/data/..", "/srv")]
    [InlineData("C:\\Data\\..\\Windows", "C:\\Windows")]
    [InlineData("C:\\Data/Users", "C:\\Data\\Users")]
    [InlineData("/..", null)]
    [InlineData("/srv/../../etc", null)]
    [InlineData("relative/path", null)]
    [InlineData("C:relative", null)]
    [InlineData("\\\\server\\share", null)]
    [InlineData("", null)]
    public void OtherSpellingsAreRefusedAndTheirCanonicalFormNamed(string path, string? canonical)
    {
        WireValues.IsAbsolutePath(path).ShouldBeFalse();
        WireValues.Canonical(path).ShouldBe(canonical);
    }

    [Fact]
    public void ControlCharactersAndOverlongPathsAreRefused()
    {
        WireValues.IsAbsolutePath("/srv/a\nb").ShouldBeFalse();
        WireValues.IsAbsolutePath("/" + new string('a', 4096)).ShouldBeFalse();
        WireValues.IsAbsolutePath(null).ShouldBeFalse();
    }
}
