using System.Net;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Web;

/// <summary>Every answer carries the browser-facing security headers; the pages satisfy the policy (no inline style).</summary>
public sealed class SecurityHeadersTests : IDisposable
{
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

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
