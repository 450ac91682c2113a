using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using RestikManager.ServiceDefaults.Resilience;

namespace RestikManager.Server.Alerts.Sending;

/// <summary>
/// Sends one message to one channel in the channel's own format: the webhook's JSON body (signed when it has a
/// secret), Slack's and Discord's incoming-webhook JSON, ntfy's and Gotify's JSON publish, healthchecks pings, and
/// email (<see cref="EmailSender"/>). Throws <see cref="DeliveryFailedException"/> (and nothing else but a cancellation
/// of the caller's token) unless the receiver answered 2xx.
/// Requests are not traced and their client does not log: the URLs carry tokens.
/// </summary>
internal sealed class ChannelSender(IOptions<AlertOptions> options, ChannelStore channels, EmailSender email) : IDisposable
{
    // Neither client comes from the factory: no logging handler (URLs carry tokens), and no circuit breaker shared with
    // other clients or between receivers, so that one failing receiver never fails another channel's message.
    private readonly HttpClient _testClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
    {
        Timeout = TimeSpan.FromSeconds(15),
    };

    private readonly HttpClient _deliveryClient = new(new ResilienceHandler(HttpResilience.Pipeline(new HttpResilienceOptions
    {
        Retries = options.Value.SendRetries,
        RetryDelay = options.Value.SendRetryDelay,
        AttemptTimeout = options.Value.SendTryTimeout,
        TotalTimeout = options.Value.SendTryTimeout * 3,
        CircuitBreaker = false,
    }))
    {
        InnerHandler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) },
    })
    {
        // The pipeline's timeouts govern.
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>The client for outbox deliveries: Polly's quick retries and timeouts (<see cref="AlertOptions"/>) around each attempt.</summary>
    public const string DeliveryClient = "alerts";

    /// <summary>Send test's client: one attempt, answered within seconds.</summary>
    public const string TestClient = "alerts-test";

    public const string SignatureHeader = "X-RestikManager-Signature";

    public async Task SendAsync(Channel channel, string state, string payload, string client, CancellationToken cancellationToken)
    {
        if (channel.Kind == ChannelKinds.Email)
        {
            await email.SendAsync(channel, Message(payload), cancellationToken);
            return;
        }

        var url = channels.Secret(channel.Id, ChannelSecrets.Url) ?? throw new DeliveryFailedException("the channel has no URL; set one");
        var where = Host(url);
        try
        {
            using var request = Request(channel, state, payload, url);
            request.Headers.TryAddWithoutValidation("User-Agent", "restic-manager");
            using var _ = OpenTelemetry.SuppressInstrumentationScope.Begin();
            using var response = await (client == TestClient ? _testClient : _deliveryClient).SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new DeliveryFailedException(DeliveryProblems.Answered(channel.Kind, where, (int)response.StatusCode, response.ReasonPhrase));
            }
        }
        catch (Exception e) when (e is not DeliveryFailedException && (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            // Refused, unresolvable, a TLS handshake that fails, a timeout, a closed connection, or anything else the
            // client throws: this attempt's failure, in words.
            throw new DeliveryFailedException(DeliveryProblems.Unreached(channel.Kind, where, e), e);
        }
    }

    private HttpRequestMessage Request(Channel channel, string state, string payload, string url)
    {
        if (state == AlertStates.Ping)
        {
            var ping = JsonSerializer.Deserialize(payload, AlertJson.Default.PingMessage)!;
            var target = url.TrimEnd('/') + ping.Phase switch { "start" => "/start", "fail" => "/fail", _ => "" };
            return new HttpRequestMessage(HttpMethod.Post, target) { Content = new StringContent(ping.Body, Encoding.UTF8, "text/plain") };
        }

        var message = Message(payload);
        var firing = message.State == AlertStates.Firing;
        return channel.Kind switch
        {
            ChannelKinds.Webhook => Webhook(channel, url, payload, message),
            ChannelKinds.Slack => Json(url, new JsonObject { ["text"] = $"*{message.Title}*\n{message.Message}\n<{message.Url}|Open in restic-manager>" }),
            ChannelKinds.Discord => Json(url, new JsonObject { ["content"] = Clip($"**{message.Title}**\n{message.Message}\n{message.Url}", 2000) }),
            ChannelKinds.Ntfy => WithBearer(Json(url, new JsonObject
            {
                ["topic"] = channel.Settings.Topic,
                ["title"] = message.Title,
                ["message"] = message.Message,
                ["priority"] = firing ? 4 : 3,
                ["tags"] = new JsonArray(firing ? "rotating_light" : "white_check_mark"),
                ["click"] = message.Url.Length > 0 ? message.Url : null,
            }), channels.Secret(channel.Id, ChannelSecrets.Token)),
            ChannelKinds.Gotify => WithHeader(Json(url.TrimEnd('/') + "/message", new JsonObject
            {
                ["title"] = message.Title,
                ["message"] = message.Text,
                ["priority"] = firing ? 8 : 4,
            }), "X-Gotify-Key", channels.Secret(channel.Id, ChannelSecrets.Token)),
            // A healthchecks channel's test: the success URL, with the message as the body.
            _ => new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(message.Text, Encoding.UTF8, "text/plain") },
        };
    }

    private HttpRequestMessage Webhook(Channel channel, string url, string payload, AlertMessage message)
    {
        var body = Encoding.UTF8.GetBytes(payload);
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation("X-RestikManager-Event", message.Event);
        if (channels.Secret(channel.Id, ChannelSecrets.Secret) is { } secret)
        {
            request.Headers.TryAddWithoutValidation(SignatureHeader, Signature(secret, body));
        }

        return request;
    }

    public void Dispose()
    {
        _testClient.Dispose();
        _deliveryClient.Dispose();
    }

    /// <summary>The signature header's value: <c>sha256=</c> and the lowercase hex HMAC-SHA256 of the body under the secret.</summary>
    public static string Signature(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private static AlertMessage Message(string payload) => JsonSerializer.Deserialize(payload, AlertJson.Default.AlertMessage)!;

    private static HttpRequestMessage Json(string url, JsonObject body) =>
        new(HttpMethod.Post, url) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };

    private static HttpRequestMessage WithBearer(HttpRequestMessage request, string? token)
    {
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    private static HttpRequestMessage WithHeader(HttpRequestMessage request, string name, string? value)
    {
        if (value is not null)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary>Where a URL points, without its path and query (which may carry a token).</summary>
    public static string Host(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Authority : "(invalid URL)";
}
