using Microsoft.Extensions.Time.Testing;
using RestikManager.Server.Alerts;
using RestikManager.Server.Data;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Alerts;

/// <summary>
/// The outbox's order, on a migrated database with no worker beside it: a channel's later message waits for its earlier
/// one, even one waiting for a retry, and is not "due" meanwhile (or the worker would wake again and again to find
/// nothing to send); other channels are not held.
/// </summary>
public sealed class DeliveryOrderTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly IncidentStore _store;

    public DeliveryOrderTests()
    {
        var database = new Database(_dir.Of("restic-manager.db"));
        Migrator.Migrate(database);
        _store = new IncidentStore(database, _clock);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void AChannelsLaterMessageWaitsForItsEarlierOneEvenInItsRetry()
    {
        _store.Queue([Ping("hc", "first"), Ping("hc", "second"), Ping("hook", "other")]);
        var now = _clock.GetUtcNow();

        // One per channel, the oldest.
        string.Join(",", _store.Due(now, 32).Select(d => d.Payload).Order()).ShouldBe("first,other");
        var first = _store.Due(now, 32).Single(d => d.Payload == "first");
        var other = _store.Due(now, 32).Single(d => d.Payload == "other");
        _store.Delivered(other.Id);
        _store.AttemptFailed(first.Id, "HTTP 500", retryAt: now.AddMinutes(5));

        _clock.Advance(TimeSpan.FromMinutes(1));
        _store.Due(_clock.GetUtcNow(), 32).ShouldBeEmpty("the second waits while the first is in its retry");
        _store.NextDue().ShouldBe(now.AddMinutes(5), "the next send is the first's retry, not the held second");

        _clock.Advance(TimeSpan.FromMinutes(4));
        _store.Due(_clock.GetUtcNow(), 32).Single().Payload.ShouldBe("first");
        _store.Delivered(first.Id);
        _store.Due(_clock.GetUtcNow(), 32).Single().Payload.ShouldBe("second");
    }

    [Fact]
    public void AMessageGivenUpNoLongerHoldsItsChannel()
    {
        _store.Queue([Ping("hc", "first"), Ping("hc", "second")]);
        var first = _store.Due(_clock.GetUtcNow(), 32).Single();

        _store.AttemptFailed(first.Id, "HTTP 500", retryAt: null);

        _store.Due(_clock.GetUtcNow(), 32).Single().Payload.ShouldBe("second");
    }

    private static NewDelivery Ping(string channel, string payload) => new(null, channel, AlertStates.Ping, 0, payload);
}
