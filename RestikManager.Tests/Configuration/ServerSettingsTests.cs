using System.Net;
using Microsoft.Extensions.Configuration;
using RestikManager.Server.Configuration;

namespace RestikManager.Tests.Configuration;

public sealed class ServerSettingsTests
{
    [Fact]
    public void DefaultsFollowTheDesign()
    {
        var settings = ServerSettings.Load(Config([]));

        settings.Listen.ShouldBe(new ListenAddress(null, false, 8080));
        settings.DataDir.ShouldBe("/var/lib/restic-manager");
        settings.BundledAssetsDir.ShouldBe("/opt/restic-manager/dist");
        settings.BaseUrl.ShouldBeNull();
        settings.Tls.ShouldBeNull();
    }

    [Theory]
    [InlineData(":8080", null, false, 8080)]
    [InlineData("127.0.0.1:9000", "127.0.0.1", false, 9000)]
    [InlineData("0.0.0.0:80", "0.0.0.0", false, 80)]
    [InlineData("[::1]:8443", "::1", false, 8443)]
    [InlineData("[::]:8080", "::", false, 8080)]
    [InlineData("localhost:0", null, true, 0)]
    public void ParsesListenAddresses(string text, string? ip, bool localhost, int port)
    {
        var listen = ServerSettings.Load(Config(new() { ["RM_LISTEN"] = text })).Listen;

        listen.ShouldBe(new ListenAddress(ip is null ? null : IPAddress.Parse(ip), localhost, port));
    }

    [Theory]
    [InlineData("8080")]
    [InlineData(":")]
    [InlineData(":http")]
    [InlineData(":65536")]
    [InlineData(":-1")]
    [InlineData("example.org:8080")]
    [InlineData("::1:8080")]
    [InlineData("1.2.3:80")]
    [InlineData("127.0.0.1: 80")]
    public void RefusesBadListenAddressesNamingTheVariable(string text)
    {
        var e = Should.Throw<StartupRefusedException>(() => ServerSettings.Load(Config(new() { ["RM_LISTEN"] = text })));

        e.Message.ShouldStartWith($"RM_LISTEN='{text}': ");
    }

    [Theory]
    [InlineData("RM_DATA_DIR", "relative/dir")]
    [InlineData("RM_BUNDLED_ASSETS_DIR", "dist")]
    [InlineData("RM_BUNDLED_ASSETS_DIR", "/no/such/dir/anywhere")]
    [InlineData("RM_BASE_URL", "backup.example.org")]
    [InlineData("RM_BASE_URL", "ftp://backup.example.org")]
    [InlineData("RM_BASE_URL", "https://user:pw@backup.example.org")]
    [InlineData("RM_BASE_URL", "https://backup.example.org/?x=1")]
    [InlineData("RM_TLS_CERT", "/no/such/cert.pem")]
    public void RefusesBadValuesNamingTheVariable(string variable, string value)
    {
        var settings = new Dictionary<string, string?> { [variable] = value };
        if (variable == "RM_TLS_CERT")
        {
            settings["RM_TLS_KEY"] = "/no/such/key.pem";
        }

        var e = Should.Throw<StartupRefusedException>(() => ServerSettings.Load(Config(settings)));

        e.Message.ShouldStartWith($"{variable}=");
    }

    [Fact]
    public void TlsCertificateWithoutKeyNamesTheMissingOne()
    {
        var e = Should.Throw<StartupRefusedException>(() => ServerSettings.Load(Config(new() { ["RM_TLS_CERT"] = "/etc/hostname" })));

        e.Message.ShouldStartWith("RM_TLS_KEY: not set");
    }

    [Fact]
    public void TlsFilesThatAreNotPemAreRefused()
    {
        using var dir = new Infrastructure.TempDir();
        var cert = dir.Write("cert.pem", "not a certificate");
        var key = dir.Write("key.pem", "not a key");

        var e = Should.Throw<StartupRefusedException>(() => ServerSettings.Load(Config(new() { ["RM_TLS_CERT"] = cert, ["RM_TLS_KEY"] = key })));

        e.Message.ShouldStartWith($"RM_TLS_CERT='{cert}': cannot load");
    }

    [Fact]
    public void BaseUrlLosesItsTrailingSlash()
    {
        ServerSettings.Load(Config(new() { ["RM_BASE_URL"] = "https://backup.example.org/rm/" })).BaseUrl!
            .ToString().ShouldBe("https://backup.example.org/rm");
    }

    private static IConfiguration Config(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
