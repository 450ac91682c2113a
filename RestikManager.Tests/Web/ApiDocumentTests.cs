using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Web;

/// <summary>
/// The OpenAPI document describes every <c>/api/v1</c> route the server maps (read from the server's own endpoints, so a
/// new route without a description fails here), with the error envelope and bearer authentication.
/// </summary>
public sealed class ApiDocumentTests : IDisposable
{
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task EveryApiRouteIsInTheDocumentWithTheEnvelopeAndBearerAuthentication()
    {
        using var admin = await Api.AdminAsync(_server);
        using var response = await admin.GetAsync("/openapi/v1.json");
        var document = await response.JsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, document.ToString());

        var paths = document.GetProperty("paths");
        var routes = _server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Path: Normalize(e.RoutePattern.RawText!), Method: m.ToLowerInvariant())))
            .Distinct().ToList();
        routes.Count.ShouldBeGreaterThan(40, "the server's own routes were read");
        var missing = routes.Where(r => !paths.TryGetProperty(r.Path, out var item) || !item.TryGetProperty(r.Method, out _)).ToList();
        missing.ShouldBeEmpty();

        document.GetProperty("components").GetProperty("schemas").TryGetProperty("ErrorEnvelope", out _).ShouldBeTrue("the error envelope is described");
        document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").Str("scheme").ShouldBe("bearer");
        var hosts = paths.GetProperty("/api/v1/hosts").GetProperty("get");
        hosts.GetProperty("responses").TryGetProperty("4XX", out _).ShouldBeTrue();
        hosts.GetProperty("security").GetArrayLength().ShouldBe(1);
        paths.GetProperty("/api/v1/auth/tokens").GetProperty("post").TryGetProperty("security", out _).ShouldBeFalse("signing in needs no token");
    }

    [Fact]
    public async Task TheDocumentIsForSignedInUsers()
    {
        using var anonymous = _server.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var browser = await anonymous.GetAsync("/openapi/v1.json");
        browser.StatusCode.ShouldBe(HttpStatusCode.Redirect, "a browser without a session is sent to sign in");
        browser.Headers.Location!.AbsolutePath.ShouldBe("/signin");
        using var badToken = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        badToken.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-a-token");
        (await anonymous.SendAsync(badToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AnAdminReadsTheReferencePageAndItListsWhatTheDocumentHolds()
    {
        using var browser = await PageSession.SignInAsync(_server);

        var page = await browser.GetStringAsync("/api-reference");
        var document = await browser.GetStringAsync("/openapi/v1.json");

        page.ShouldContain("<tr data-operation=\"GET /api/v1/hosts\">");
        page.ShouldContain("<tr data-operation=\"POST /api/v1/notification-channels/{id}/test\">");
        page.ShouldContain("ErrorEnvelope");
        page.ShouldNotContain("<script>", Case.Insensitive);
        System.Text.RegularExpressions.Regex.Count(page, "<tr data-operation=")
            .ShouldBe(System.Text.Json.JsonDocument.Parse(document).RootElement.GetProperty("paths").EnumerateObject()
                .Sum(p => p.Value.EnumerateObject().Count()), "one row per operation of the document");
    }

    // Route constraints are not part of an OpenAPI path: /api/v1/jobs/{id:guid} is /api/v1/jobs/{id}.
    private static string Normalize(string pattern) => System.Text.RegularExpressions.Regex.Replace(pattern, @"\{(\w+)(:[^}]*)?\??\}", "{$1}").TrimEnd('/');
}
