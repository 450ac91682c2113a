using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace RestikManager.Tests.Infrastructure;

/// <summary>Helpers for talking to the real API as an operator would.</summary>
internal static class Api
{
    public const string AdminPassword = "admin-password-for-tests";

    /// <summary>Exchanges a username and password for an API token; returns the token.</summary>
    public static async Task<string> TokenAsync(HttpClient http, string username = "admin", string password = AdminPassword)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/auth/tokens", new { username, password, name = "tests" });
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("token").GetString()!;
    }

    public static HttpClient WithBearer(this HttpClient http, string token)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>A client of <paramref name="server"/> signed in as admin with an API token.</summary>
    public static async Task<HttpClient> AdminAsync(ServerFactory server)
    {
        var http = server.CreateClient();
        return http.WithBearer(await TokenAsync(http));
    }

    public static async Task<string> EnrollmentTokenAsync(HttpClient admin, string? label = null, int? expiresInMinutes = null)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/enrollment-tokens", new { label, expiresInMinutes });
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>Enrolls <paramref name="hostname"/> through <c>/agent/enroll</c> with a fresh token; returns its id and credential.</summary>
    public static async Task<(string AgentId, string Credential)> EnrollAsync(ServerFactory server, HttpClient admin, string hostname)
    {
        using var response = await Agents.EnrollmentTests.Enroll(server.CreateClient(), await EnrollmentTokenAsync(admin), hostname);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, body);
        using var json = JsonDocument.Parse(body);
        return (json.RootElement.GetProperty("agentId").GetString()!, json.RootElement.GetProperty("credential").GetString()!);
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    public static async Task<JsonElement[]> HostsAsync(HttpClient admin)
    {
        using var response = await admin.GetAsync("/api/v1/hosts");
        response.IsSuccessStatusCode.ShouldBeTrue();
        return [.. (await response.JsonAsync()).EnumerateArray()];
    }

    /// <summary>Polls until <paramref name="condition"/> holds for the hosts list, or fails.</summary>
    public static async Task<JsonElement[]> WaitForHostsAsync(HttpClient admin, Func<JsonElement[], bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement[] hosts = [];
        while (DateTime.UtcNow < deadline)
        {
            hosts = await HostsAsync(admin);
            if (condition(hosts))
            {
                return hosts;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"hosts never became: {what}. Last: {JsonSerializer.Serialize(hosts)}");
    }
}
