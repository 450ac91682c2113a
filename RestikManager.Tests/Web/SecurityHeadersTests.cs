using Microsoft.Extensions.DependencyInjection;
using System.Net;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Web;

/// <summary>Every answer carries the browser-facing security headers; the pages satisfy the policy (no inline style).</summary>
public sealed class SecurityHeadersTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private readonly ServerFactory _server = shared.Server;


    [Theory]
    [InlineData("/signin", HttpStatusCode.OK)]
    [InlineData("/api/v1/hosts", HttpStatusCode.Unauthorized)]
    [InlineData("/no/such/page", HttpStatusCode.NotFound)]
    [InlineData("/css/site.css", HttpStatusCode.OK)]
    [InlineData("/health", HttpStatusCode.OK)]
    public async Task EveryAnswerCarriesTheSecurityHeaders(string path, HttpStatusCode status)
    {
        using var http = _server.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using var response = await http.GetAsync(path);

        response.StatusCode.ShouldBe(status);
        var csp = response.Headers.GetValues("Content-Security-Policy").ShouldHaveSingleItem();
        csp.ShouldContain("default-src 'self'");
        csp.ShouldContain("frame-ancestors 'none'");
        csp.ShouldNotContain("unsafe-inline");
        response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"]);
        response.Headers.GetValues("X-Frame-Options").ShouldBe(["DENY"]);
        response.Headers.GetValues("Referrer-Policy").ShouldBe(["no-referrer"]);
        response.Headers.Contains("Strict-Transport-Security").ShouldBeFalse("plain HTTP (behind a proxy) gets no HSTS");
    }

    [Fact]
    public async Task ThePagesHoldNoInlineStyleOrScriptAndLinkTheStylesheet()
    {
        using var http = _server.CreateClient();

        var html = await http.GetStringAsync("/signin");

        html.ShouldNotContain("<style", Case.Insensitive);
        html.ShouldNotContain("style=", Case.Insensitive);
        html.ShouldNotContain("<script>", Case.Insensitive);
        html.ShouldContain("href=\"/css/site.css?v=");
        (await http.GetAsync("/css/site.css")).Content.Headers.ContentType!.MediaType.ShouldBe("text/css");
    }
}

/// <summary>Served over TLS by the server itself (<c>RM_TLS_CERT</c>/<c>RM_TLS_KEY</c>), answers also carry HSTS.</summary>
public sealed class HstsOverTlsTests
{
    [Fact]
    public async Task AnswersOverTlsCarryStrictTransportSecurity()
    {
        using var certs = new TempDir("rm-tls");
        using (var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            certs.Write("cert.pem", certificate.ExportCertificatePem());
            certs.Write("key.pem", key.ExportPkcs8PrivateKeyPem());
        }

        using var server = ServerFactory.OnKestrel(new() { ["RM_TLS_CERT"] = certs.Of("cert.pem"), ["RM_TLS_KEY"] = certs.Of("key.pem") });
        var port = server.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a).Port).First();
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var https = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}") };

        using var response = await https.GetAsync("/signin");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.GetValues("Strict-Transport-Security").ShouldBe(["max-age=31536000"]);
    }
}
