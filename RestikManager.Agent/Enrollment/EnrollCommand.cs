using System.Net.Http.Json;
using Polly.CircuitBreaker;
using Polly.Timeout;
using RestikManager.Agent.Config;
using RestikManager.Contracts;
using RestikManager.Contracts.Protocol;
using RestikManager.ServiceDefaults.Resilience;

namespace RestikManager.Agent.Enrollment;

/// <summary>
/// <c>enroll --server URL --token T</c>: trades a single-use enrollment token for this agent's credential
/// and writes it to the config file (owner-only). Neither the token nor the credential is ever printed.
/// </summary>
internal static class EnrollCommand
{
    public static async Task<int> RunAsync(string server, string token, string configPath, bool force, string hostname, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(server, UriKind.Absolute, out var serverUri) || serverUri.Scheme is not ("http" or "https"))
        {
            return Fail($"--server must be an http:// or https:// URL, got '{server}'");
        }

        if (File.Exists(configPath) && !force)
        {
            return Fail($"this host is already enrolled ({configPath}); pass --force to enroll it again");
        }

        // Retries with backoff ride out a server that is restarting; a refusal (4xx) is final at once.
        using var http = HttpResilience.CreateClient();
        var request = new EnrollRequest(token, hostname, HostFacts.Os, HostFacts.Arch, BuildInfo.Current.Version, force);
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(new Uri(serverUri, AgentProtocol.EnrollPath), request, ProtocolJsonContext.Default.EnrollRequest, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException or BrokenCircuitException or TaskCanceledException)
        {
            return Fail($"cannot reach {server}: {e.Message}");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var message = await ErrorMessageAsync(response, cancellationToken);
                return Fail($"enrollment refused ({(int)response.StatusCode}): {message}");
            }

            var enrolled = await response.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.EnrollResponse, cancellationToken);
            if (enrolled is null)
            {
                return Fail("the server's answer was empty");
            }

            AgentConfigFile.Save(configPath, new AgentConfig(serverUri.ToString().TrimEnd('/'), enrolled.AgentId, hostname, enrolled.Credential));
            Console.Out.WriteLine($"Enrolled '{hostname}' with {serverUri.GetLeftPart(UriPartial.Authority)} as agent {enrolled.AgentId}; configuration in {configPath}.");
            return 0;
        }
    }

    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.ErrorBody, cancellationToken);
            return body?.Error.Message ?? response.ReasonPhrase ?? "no reason given";
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException)
        {
            return response.ReasonPhrase ?? "no reason given";
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"{AgentCommandLine.ProgramName}: {message}");
        return 1;
    }
}
