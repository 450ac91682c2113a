using System.Text.Json;

namespace RestikManager.Tests.Infrastructure;

/// <summary>
/// A real OpenID provider for the single sign-on tests: the npm package <c>oidc-provider</c> (Sso/idp, installed by
/// ./test.sh) run by Node.js on loopback, with its development sign-in pages (any password; the login name is the
/// account) and the accounts' groups in a file the test rewrites.
/// </summary>
internal sealed class TestIdentityProvider : IDisposable
{
    private readonly ChildProcess _process;
    private readonly TempDir _dir;

    private TestIdentityProvider(ChildProcess process, Uri issuer, TempDir dir, string accounts)
    {
        _process = process;
        Issuer = issuer;
        _dir = dir;
        AccountsFile = accounts;
    }

    public Uri Issuer { get; }

    /// <summary>The issuer as the server is given it (no trailing slash).</summary>
    public string IssuerText => Issuer.AbsoluteUri.TrimEnd('/');

    public string AccountsFile { get; }

    public string Output => _process.Output;

    public sealed record Client(string ClientId, string ClientSecret, string ServerUrl);

    /// <summary>Starts the provider at <c>http://localhost:port</c>: another site than the servers at 127.0.0.1.</summary>
    public static async Task<TestIdentityProvider> StartAsync(IEnumerable<Client> clients, TimeSpan codeLifetime)
    {
        var script = RepoPaths.Of("RestikManager.Tests", "Sso", "idp", "provider.mjs");
        File.Exists(RepoPaths.Of("RestikManager.Tests", "Sso", "idp", "node_modules", "oidc-provider", "package.json"))
            .ShouldBeTrue("oidc-provider is installed by ./test.sh (npm ci in RestikManager.Tests/Sso/idp)");
        var dir = new TempDir("rm-idp");
        var accounts = dir.Of("accounts.json");
        File.WriteAllText(accounts, "{}");
        var issuer = new Uri($"http://localhost:{PublishedStack.FreePort()}");
        var clientsJson = JsonSerializer.Serialize(clients.Select(c => new Dictionary<string, object>
        {
            ["client_id"] = c.ClientId,
            ["client_secret"] = c.ClientSecret,
            ["redirect_uris"] = new[] { c.ServerUrl + "/signin-oidc" },
            ["post_logout_redirect_uris"] = new[] { c.ServerUrl + "/signout-callback-oidc" },
        }));
        var process = ChildProcess.Start("node", [script], new Dictionary<string, string?>
        {
            ["IDP_ISSUER"] = issuer.AbsoluteUri,
            ["IDP_CLIENTS"] = clientsJson,
            ["IDP_ACCOUNTS"] = accounts,
            ["IDP_CODE_TTL"] = ((int)codeLifetime.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        try
        {
            await process.WaitForLineAsync(new System.Text.RegularExpressions.Regex("idp listening on "), TimeSpan.FromSeconds(30));
            return new TestIdentityProvider(process, issuer, dir, accounts);
        }
        catch
        {
            process.Dispose();
            dir.Dispose();
            throw;
        }
    }

    /// <summary>Sets the groups the provider gives <paramref name="login"/> from its next sign-in on.</summary>
    public void SetGroups(string login, params string[] groups)
    {
        var all = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string[]>>>(File.ReadAllText(AccountsFile))!;
        all[login] = new Dictionary<string, string[]> { ["groups"] = groups };
        File.WriteAllText(AccountsFile, JsonSerializer.Serialize(all));
    }

    public void Dispose()
    {
        _process.Dispose();
        _dir.Dispose();
    }
}
