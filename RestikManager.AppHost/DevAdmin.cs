using System.Net.Http.Json;
using System.Text.Json;

namespace RestikManager.AppHost;

/// <summary>The AppHost's admin session on the server's real API (signed in on first use, kept across server restarts).</summary>
internal sealed class DevAdmin(EndpointReference server, ParameterResource password) : IDisposable
{
    private readonly SemaphoreSlim _signIn = new(1, 1);
    private HttpClient? _client;

    /// <summary>An API client signed in as admin.</summary>
    public async Task<HttpClient> ClientAsync(CancellationToken cancellationToken)
    {
        await _signIn.WaitAsync(cancellationToken);
        try
        {
            if (_client is not null)
            {
                return _client;
            }

            var client = new HttpClient { BaseAddress = new Uri(server.Url), Timeout = TimeSpan.FromSeconds(30) };
            var body = await PostAsync(client, "/api/v1/auth/tokens",
                new { username = "admin", password = await password.GetValueAsync(cancellationToken), name = "apphost" }, cancellationToken);
            client.DefaultRequestHeaders.Authorization = new("Bearer", body.GetProperty("token").GetString());
            return _client = client;
        }
        finally
        {
            _signIn.Release();
        }
    }

    /// <summary>A single-use enrollment token labelled with <paramref name="hostName"/>.</summary>
    public async Task<string> EnrollmentTokenAsync(string hostName, CancellationToken cancellationToken)
    {
        var client = await ClientAsync(cancellationToken);
        var body = await PostAsync(client, "/api/v1/enrollment-tokens", new { label = hostName }, cancellationToken);
        return body.GetProperty("token").GetString()!;
    }

    /// <summary>POSTs <paramref name="body"/> and returns the answer; a refusal throws with the server's error.</summary>
    public static async Task<JsonElement> PostAsync(HttpClient client, string path, object body, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsJsonAsync(path, body, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path} failed: {(int)response.StatusCode} {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public void Dispose()
    {
        _client?.Dispose();
        _signIn.Dispose();
    }
}
