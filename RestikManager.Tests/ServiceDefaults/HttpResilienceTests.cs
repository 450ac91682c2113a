using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;
using RestikManager.ServiceDefaults.Resilience;

namespace RestikManager.Tests.ServiceDefaults;

/// <summary>The outgoing-HTTP pipeline against a real local server that misbehaves on purpose.</summary>
public sealed class HttpResilienceTests : IAsyncLifetime
{
    private static readonly HttpResilienceOptions Quick = new()
    {
        Retries = 3, RetryDelay = TimeSpan.FromMilliseconds(20), AttemptTimeout = TimeSpan.FromSeconds(5), TotalTimeout = TimeSpan.FromSeconds(20),
    };

    private readonly Queue<Func<HttpContext, Task>> _answers = new();
    private WebApplication _server = null!;
    private int _requests;

    private Uri Url => new(_server.Urls.First());

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.Run(context =>
        {
            Interlocked.Increment(ref _requests);
            lock (_answers)
            {
                return _answers.Count > 0 ? _answers.Dequeue()(context) : Status(200)(context);
            }
        });
        await _server.StartAsync();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task TransientFailuresAreRetriedUntilTheServerAnswers()
    {
        Answer(Status(503), Status(500), Status(429));
        using var client = HttpResilience.CreateClient(Quick);

        using var response = await client.GetAsync(Url);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        _requests.ShouldBe(4);
    }

    [Fact]
    public async Task ARefusalIsFinalAtOnce()
    {
        Answer(Status(400));
        using var client = HttpResilience.CreateClient(Quick);

        using var response = await client.GetAsync(Url);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        _requests.ShouldBe(1);
    }

    [Fact]
    public async Task ASlowAttemptTimesOutAndIsRetried()
    {
        Answer(async c => await Task.Delay(TimeSpan.FromSeconds(3), c.RequestAborted));
        using var client = HttpResilience.CreateClient(Quick with { AttemptTimeout = TimeSpan.FromMilliseconds(300) });

        using var response = await client.GetAsync(Url);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        _requests.ShouldBe(2);
    }

    [Fact]
    public async Task AServerThatNeverAnswersInTimeEndsInATimeout()
    {
        Answer(Enumerable.Repeat<Func<HttpContext, Task>>(async c => await Task.Delay(TimeSpan.FromSeconds(5), c.RequestAborted), 3).ToArray());
        // A second per attempt: at 200 ms a loaded run once gave up on the third before the server had read it.
        using var client = HttpResilience.CreateClient(Quick with { Retries = 2, AttemptTimeout = TimeSpan.FromSeconds(1) });

        await Should.ThrowAsync<TimeoutRejectedException>(() => client.GetAsync(Url));
        _requests.ShouldBe(3);
    }

    [Fact]
    public async Task NothingListeningIsAConnectionErrorAfterTheRetries()
    {
        var url = Url;
        await _server.StopAsync();
        using var client = HttpResilience.CreateClient(Quick);

        await Should.ThrowAsync<HttpRequestException>(() => client.GetAsync(url));
    }

    [Fact]
    public async Task ACircuitOpensOnRepeatedFailuresAndStopsCallingTheServer()
    {
        Answer(Enumerable.Repeat(Status(500), 50).ToArray());
        using var client = HttpResilience.CreateClient(Quick with
        {
            Retries = 0, BreakerMinimumCalls = 4, BreakerFailureRatio = 0.5, BreakDuration = TimeSpan.FromMinutes(1),
        });
        for (var i = 0; i < 4; i++)
        {
            using var failed = await client.GetAsync(Url);
            failed.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        }

        await Should.ThrowAsync<BrokenCircuitException>(() => client.GetAsync(Url));
        _requests.ShouldBe(4, "an open circuit fails calls without sending them");
    }

    private void Answer(params Func<HttpContext, Task>[] answers)
    {
        lock (_answers)
        {
            foreach (var answer in answers)
            {
                _answers.Enqueue(answer);
            }
        }
    }

    private static Func<HttpContext, Task> Status(int code) => context =>
    {
        context.Response.StatusCode = code;
        return Task.CompletedTask;
    };
}
