using System.Net;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace RestikManager.ServiceDefaults.Resilience;

/// <summary>Limits of the outgoing-HTTP pipeline. The defaults suit a call to our own server over a WAN.</summary>
public sealed record HttpResilienceOptions
{
    /// <summary>Retries after the first attempt (0: none).</summary>
    public int Retries { get; init; } = 3;

    /// <summary>First retry delay; later ones grow exponentially, with jitter.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long one attempt may take.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long the whole call, retries included, may take.</summary>
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Failed share of calls within <see cref="BreakerWindow"/> that opens the circuit.</summary>
    public double BreakerFailureRatio { get; init; } = 0.5;

    /// <summary>Calls needed within the window before the breaker judges.</summary>
    public int BreakerMinimumCalls { get; init; } = 10;

    /// <summary>The window the breaker counts in.</summary>
    public TimeSpan BreakerWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit fails calls at once before trying one again.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Whether there is a circuit breaker at all: not for a client that calls many unrelated receivers, where one
    /// receiver's failures must not fail the calls to the others.
    /// </summary>
    public bool CircuitBreaker { get; init; } = true;
}

/// <summary>
/// The resilience pipeline for outgoing HTTP (what Microsoft.Extensions.Http.Resilience's standard handler does,
/// which the package source here lacks): total timeout, then retries with exponential backoff and jitter on
/// transient failures (honouring Retry-After), a circuit breaker, and a timeout per attempt.
/// </summary>
public static class HttpResilience
{
    /// <summary>An HttpClient whose every call goes through the pipeline.</summary>
    public static HttpClient CreateClient(HttpResilienceOptions? options = null) =>
        new(new ResilienceHandler(Pipeline(options ?? new())) { InnerHandler = new SocketsHttpHandler() })
        {
            // The pipeline's timeouts govern; HttpClient's own would cut retries short.
            Timeout = Timeout.InfiniteTimeSpan,
        };

    /// <summary>Builds the pipeline for <paramref name="options"/>.</summary>
    public static ResiliencePipeline<HttpResponseMessage> Pipeline(HttpResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var handled = new PredicateBuilder<HttpResponseMessage>()
            .Handle<HttpRequestException>()
            .Handle<TimeoutRejectedException>()
            .HandleResult(IsTransient);
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>().AddTimeout(options.TotalTimeout);
        if (options.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = handled,
                MaxRetryAttempts = options.Retries,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
            });
        }

        if (options.CircuitBreaker)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = handled,
                FailureRatio = options.BreakerFailureRatio,
                MinimumThroughput = options.BreakerMinimumCalls,
                SamplingDuration = options.BreakerWindow,
                BreakDuration = options.BreakDuration,
            });
        }

        return builder.AddTimeout(options.AttemptTimeout).Build();
    }

    /// <summary>Answers worth another try: 408, 429 and 5xx.</summary>
    public static bool IsTransient(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500;
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage? response) =>
        response?.Headers.RetryAfter switch
        {
            { Delta: { } delta } when delta <= TimeSpan.FromSeconds(30) => delta,
            { Date: { } date } when date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero && wait <= TimeSpan.FromSeconds(30) => wait,
            _ => null,
        };
}

/// <summary>Sends every request through a resilience pipeline.</summary>
public sealed class ResilienceHandler(ResiliencePipeline<HttpResponseMessage> pipeline) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        await pipeline.ExecuteAsync(
            static async (state, token) => await state.Handler.SendCoreAsync(state.Request, token).ConfigureAwait(false),
            (Handler: this, Request: request), cancellationToken).ConfigureAwait(false);

    private Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);
}
