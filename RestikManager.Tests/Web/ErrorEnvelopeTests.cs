using System.Net;
using System.Text;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Web;

/// <summary>Requests the endpoints never see still get a clear error in the envelope, and change nothing.</summary>
public sealed class ErrorEnvelopeTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private readonly ServerFactory _server = shared.Server;


    [Theory]
    [InlineData("POST", "/api/v1/auth/tokens", "not json", "application/json", HttpStatusCode.BadRequest, "invalid_request")]
    [InlineData("POST", "/api/v1/auth/tokens", "{\"username\":", "application/json", HttpStatusCode.BadRequest, "invalid_request")]
    [InlineData("POST", "/api/v1/auth/tokens", "{\"username\":42}", "application/json", HttpStatusCode.BadRequest, "invalid_request")]
    [InlineData("POST", "/api/v1/auth/tokens", "username=admin", "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType, "unsupported_media_type")]
    [InlineData("DELETE", "/api/v1/auth/tokens", null, null, HttpStatusCode.MethodNotAllowed, "method_not_allowed")]
    [InlineData("GET", "/api/v1/no-such-thing", null, null, HttpStatusCode.NotFound, "not_found")]
    [InlineData("GET", "/favicon.ico", null, null, HttpStatusCode.NotFound, "not_found")]
    public async Task AnonymousBadRequestsGetTheEnvelope(string method, string path, string? body, string? contentType, HttpStatusCode status, string code)
    {
        using var http = _server.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, contentType!);
        }

        using var response = await http.SendAsync(request);

        response.StatusCode.ShouldBe(status);
        (await response.JsonAsync()).GetProperty("error").GetProperty("code").GetString().ShouldBe(code);
    }

    [Theory]
    [InlineData("/api/v1/users", "{\"username\":", "application/json", HttpStatusCode.BadRequest, "invalid_request")]
    [InlineData("/api/v1/users", "{\"role\":[1]}", "application/json", HttpStatusCode.BadRequest, "invalid_request")]
    [InlineData("/api/v1/enrollment-tokens", "{\"expiresInMinutes\":\"soon\"}", "application/json", HttpStatusCode.BadRequest, "invalid_request")]
    [InlineData("/api/v1/users", "username=x", "text/plain", HttpStatusCode.UnsupportedMediaType, "unsupported_media_type")]
    public async Task MalformedBodiesAreRefusedAndChangeNothing(string path, string body, string contentType, HttpStatusCode status, string code)
    {
        using var admin = await Api.AdminAsync(_server);

        using var response = await admin.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType));

        response.StatusCode.ShouldBe(status);
        (await response.JsonAsync()).GetProperty("error").GetProperty("code").GetString().ShouldBe(code);
        (await (await admin.GetAsync("/api/v1/users")).JsonAsync()).GetArrayLength().ShouldBe(1);
        (await (await admin.GetAsync("/api/v1/enrollment-tokens")).JsonAsync()).GetArrayLength().ShouldBe(0);
    }
}
