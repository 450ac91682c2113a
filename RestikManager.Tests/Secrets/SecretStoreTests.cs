using System.Text;
using RestikManager.Server.Configuration;
using RestikManager.Server.Data;
using RestikManager.Server.Secrets;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Secrets;

public sealed class SecretStoreTests : IDisposable
{
    private readonly TempDir _dir = new("rm-secrets");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void KeepsValuesEncryptedAcrossRestarts()
    {
        var (key, _) = DataDirectory.Prepare(_dir.Path);
        var store = new SecretStore(_dir.Path, key);

        store.Set("repo:1:password", "hunter2-but-longer");
        store.Set("repo:1:AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG");
        store.Remove("repo:1:AWS_SECRET_ACCESS_KEY").ShouldBeTrue();
        var reopened = new SecretStore(_dir.Path, SecretKey.LoadOrCreate(_dir.Path));

        reopened.Get("repo:1:password").ShouldBe("hunter2-but-longer");
        reopened.Get("repo:1:AWS_SECRET_ACCESS_KEY").ShouldBeNull();
        reopened.Names.ShouldBe(["repo:1:password"]);
        var bytes = File.ReadAllBytes(_dir.Of("secrets.enc"));
        Encoding.UTF8.GetString(bytes).ShouldNotContain("hunter2");
        Encoding.UTF8.GetString(bytes).ShouldNotContain("repo:1");
        File.GetUnixFileMode(_dir.Of("secrets.enc")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Directory.EnumerateFiles(_dir.Path, "*.tmp").ShouldBeEmpty();
    }

    [Fact]
    public void EveryWriteUsesAFreshNonce()
    {
        var (key, _) = DataDirectory.Prepare(_dir.Path);
        var store = new SecretStore(_dir.Path, key);
        store.Set("a", "same value");
        var first = File.ReadAllBytes(_dir.Of("secrets.enc"));

        store.Set("a", "same value");

        File.ReadAllBytes(_dir.Of("secrets.enc")).ShouldNotBe(first);
    }

    [Fact]
    public void AFileWrittenUnderAnotherKeyIsRefusedAndKept()
    {
        using var other = new TempDir("rm-other");
        var (otherKey, _) = DataDirectory.Prepare(other.Path);
        new SecretStore(other.Path, otherKey).Set("a", "b");
        var (key, _) = DataDirectory.Prepare(_dir.Path);
        File.Copy(other.Of("secrets.enc"), _dir.Of("secrets.enc"));
        var before = DirectorySnapshot.Take(_dir.Path);

        var e = Should.Throw<StartupRefusedException>(() => new SecretStore(_dir.Path, key));

        e.Message.ShouldContain("cannot be decrypted with this secret.key");
        DirectorySnapshot.Take(_dir.Path).ShouldBe(before);
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain text, not ours")]
    [InlineData("RMSECRETS1-but-far-too-short")]
    public void ADamagedFileIsRefusedAndKept(string content)
    {
        var (key, _) = DataDirectory.Prepare(_dir.Path);
        File.WriteAllText(_dir.Of("secrets.enc"), content);
        var before = DirectorySnapshot.Take(_dir.Path);

        var e = Should.Throw<StartupRefusedException>(() => new SecretStore(_dir.Path, key));

        e.Message.ShouldContain("secrets.enc");
        DirectorySnapshot.Take(_dir.Path).ShouldBe(before);
    }

    [Fact]
    public void AFlippedBitIsCaught()
    {
        var (key, _) = DataDirectory.Prepare(_dir.Path);
        new SecretStore(_dir.Path, key).Set("a", "some secret value");
        var bytes = File.ReadAllBytes(_dir.Of("secrets.enc"));
        bytes[^3] ^= 0x01;
        File.WriteAllBytes(_dir.Of("secrets.enc"), bytes);

        Should.Throw<StartupRefusedException>(() => new SecretStore(_dir.Path, key)).Message.ShouldContain("damaged");
    }

    [Fact]
    public void AMissingKeyNextToSecretsIsRefusedBeforeANewKeyIsMade()
    {
        var (key, _) = DataDirectory.Prepare(_dir.Path);
        new SecretStore(_dir.Path, key).Set("a", "b");
        File.Delete(_dir.Of("secret.key"));
        var before = DirectorySnapshot.Take(_dir.Path);

        var e = Should.Throw<StartupRefusedException>(() => DataDirectory.Prepare(_dir.Path));

        e.Message.ShouldContain("secret.key is missing but secrets.enc exists");
        DirectorySnapshot.Take(_dir.Path).ShouldBe(before);
    }
}
