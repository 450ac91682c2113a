using Microsoft.Extensions.Configuration;
using RestikManager.Server.Configuration;
using RestikManager.Server.SingleSignOn;

namespace RestikManager.Tests.Sso;

/// <summary>The <c>RM_OIDC_*</c> contract: what is read, what is refused (naming the variable, never the secret).</summary>
public sealed class OidcSettingsTests
{
    private const string Secret = "the-client-secret-4f2a";
    private static readonly Uri BaseUrl = new("https://backup.example.com");

    private static Dictionary<string, string?> Valid() => new()
    {
        ["RM_OIDC_ISSUER"] = "https://id.example.com/realms/ops",
        ["RM_OIDC_CLIENT_ID"] = "restic-manager",
        ["RM_OIDC_CLIENT_SECRET"] = Secret,
        ["RM_OIDC_ROLES"] = "admin=rm-admins, operator=rm-ops,viewer=rm-staff,viewer=auditors",
    };

    private static OidcSettings? Load(Dictionary<string, string?> values, Uri? baseUrl = null) =>
        OidcSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), baseUrl ?? BaseUrl);

    [Fact]
    public void NothingSetMeansNoSingleSignOn() => Load([]).ShouldBeNull();

    [Fact]
    public void TheDefaultsAndTheHighestMappedRole()
    {
        var oidc = Load(Valid())!;
        oidc.Scopes.ShouldBe(["openid", "profile", "email"]);
        oidc.RoleClaim.ShouldBe("groups");
        oidc.Name.ShouldBe("single sign-on");
        oidc.RoleFor(["auditors", "rm-ops"]).ShouldBe("operator");
        oidc.RoleFor(["rm-staff", "rm-admins"]).ShouldBe("admin");
        oidc.RoleFor(["RM-ADMINS", "other"]).ShouldBeNull("values are compared exactly");
        oidc.RoleFor([]).ShouldBeNull();
    }

    [Fact]
    public void TheSecretComesFromAFileToo()
    {
        using var dir = new Infrastructure.TempDir("rm-oidc");
        File.WriteAllText(dir.Of("secret"), Secret + "\n");
        var values = Valid();
        values.Remove("RM_OIDC_CLIENT_SECRET");
        values["RM_OIDC_CLIENT_SECRET_FILE"] = dir.Of("secret");
        Load(values)!.ClientSecret.ShouldBe(Secret);
    }

    [Theory]
    [InlineData("RM_OIDC_ISSUER", "http://id.example.com", "RM_OIDC_ALLOW_HTTP")]
    [InlineData("RM_OIDC_ISSUER", "id.example.com", "absolute https://")]
    [InlineData("RM_OIDC_ISSUER", "https://id.example.com/?x=1", "absolute https://")]
    [InlineData("RM_OIDC_ALLOW_HTTP", "yes", "true or false")]
    [InlineData("RM_OIDC_CLIENT_ID", null, "RM_OIDC_CLIENT_ID: not set")]
    [InlineData("RM_OIDC_CLIENT_SECRET", null, "RM_OIDC_CLIENT_SECRET: not set")]
    [InlineData("RM_OIDC_CLIENT_SECRET_FILE", "/nonexistent/secret", "both set")]
    [InlineData("RM_OIDC_SCOPES", "profile email", "must include openid")]
    [InlineData("RM_OIDC_ROLES", null, "users with no mapped value are refused")]
    [InlineData("RM_OIDC_ROLES", "owner=rm-admins", "'owner=rm-admins' is not role=value")]
    [InlineData("RM_OIDC_ROLES", "admin=", "'admin=' is not role=value")]
    [InlineData("RM_OIDC_ROLES", " , ", "maps no value to a role")]
    public void ABadValueIsRefusedByName(string variable, string? value, string expected)
    {
        var values = Valid();
        values[variable] = value;
        var refusal = Should.Throw<StartupRefusedException>(() => Load(values));
        refusal.Message.ShouldContain(expected);
        refusal.Message.ShouldContain(variable.Replace("_FILE", "", StringComparison.Ordinal));
        refusal.Message.ShouldNotContain(Secret);
    }

    [Fact]
    public void ItNeedsTheBaseUrlForItsCallback()
    {
        var refusal = Should.Throw<StartupRefusedException>(() => OidcSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(Valid()).Build(), null));
        refusal.Message.ShouldContain("RM_BASE_URL");
        refusal.Message.ShouldContain("/signin-oidc");
    }

    [Fact]
    public void APartialSetupWithoutTheIssuerIsRefused()
    {
        var values = Valid();
        values.Remove("RM_OIDC_ISSUER");
        Should.Throw<StartupRefusedException>(() => Load(values)).Message.ShouldContain("RM_OIDC_ISSUER is not");
    }

    [Theory]
    [InlineData("admins", true, true)]
    [InlineData("all", true, false)]
    [InlineData(null, true, false)]
    public void LocalSignInIsForEveryoneOrForAdmins(string? value, bool withSso, bool adminsOnly)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["RM_OIDC_LOCAL_SIGNIN"] = value }).Build();
        LocalSignIn.AdminsOnly(config, withSso ? Load(Valid()) : null).ShouldBe(adminsOnly);
    }

    [Theory]
    [InlineData("admins", "needs single sign-on")]
    [InlineData("nobody", "must be all or admins")]
    public void LocalSignInRefusesWhatWouldLockEveryoneOut(string value, string expected)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["RM_OIDC_LOCAL_SIGNIN"] = value }).Build();
        Should.Throw<StartupRefusedException>(() => LocalSignIn.AdminsOnly(config, value == "admins" ? null : Load(Valid())))
            .Message.ShouldContain(expected);
    }
}
