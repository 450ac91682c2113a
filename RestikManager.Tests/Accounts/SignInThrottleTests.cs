using Microsoft.Extensions.Time.Testing;
using RestikManager.Server.Accounts;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Accounts;

public sealed class SignInThrottleTests
{
    [Fact]
    public void AccountLockLiftsWhenTheOldestFailureAgesOut()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var throttle = new SignInThrottle(clock);
        for (var i = 0; i < SignInThrottle.PerAccount; i++)
        {
            throttle.Failed("admin", "10.0.0.1");
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        throttle.RetryAfter("ADMIN ", "192.0.2.7").ShouldBe(TimeSpan.FromMinutes(10), "the name is matched without case or spaces, from any address");
        clock.Advance(TimeSpan.FromMinutes(10));
        throttle.RetryAfter("admin", "10.0.0.1").ShouldBeNull();
    }

    [Fact]
    public void AddressLockCoversEveryName()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var throttle = new SignInThrottle(clock);
        for (var i = 0; i < SignInThrottle.PerAddress; i++)
        {
            throttle.Failed($"user{i}", "10.0.0.9");
        }

        throttle.RetryAfter("someone-new", "10.0.0.9").ShouldNotBeNull();
        throttle.RetryAfter("someone-new", "10.0.0.10").ShouldBeNull();
    }

    [Fact]
    public void SuccessClearsTheAccountsFailures()
    {
        var throttle = new SignInThrottle(new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        for (var i = 0; i < SignInThrottle.PerAccount - 1; i++)
        {
            throttle.Failed("admin", "10.0.0.1");
        }

        throttle.Succeeded("admin");
        throttle.Failed("admin", "10.0.0.1");

        throttle.RetryAfter("admin", "10.0.0.2").ShouldBeNull();
    }
}
