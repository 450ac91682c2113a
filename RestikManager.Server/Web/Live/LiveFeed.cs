using System.Threading.Channels;

namespace RestikManager.Server.Web.Live;

/// <summary>Something a page may show changed: a job (state or progress) or a host (online, offline, enrolled, revoked).</summary>
internal abstract record LiveChange;

/// <summary>The job's row changed, or only its live progress (<paramref name="ProgressOnly"/>); <paramref name="AgentId"/> is its host.</summary>
internal sealed record JobChanged(string JobId, string AgentId, bool ProgressOnly = false) : LiveChange;

/// <summary>The host connected, went away, enrolled or was revoked.</summary>
internal sealed record HostChanged(string AgentId) : LiveChange;

/// <summary>
/// In-memory fan-out of <see cref="LiveChange"/>s to the pages' event streams. Each subscriber has a bounded queue:
/// a stream too slow to keep up loses the oldest changes and never blocks a publisher. Streams render current
/// state, not the change, so a lost change costs nothing once a later one (or the reconnect) comes.
/// </summary>
internal sealed class LiveFeed
{
    private const int QueueLength = 1024;
    private readonly Lock _gate = new();
    private readonly List<Channel<LiveChange>> _subscribers = [];

    public void Publish(LiveChange change)
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(change);
            }
        }
    }

    /// <summary>Changes from now on, until the subscription is disposed.</summary>
    public Subscription Subscribe()
    {
        var channel = Channel.CreateBounded<LiveChange>(new BoundedChannelOptions(QueueLength)
        {
            FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true,
        });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        return new Subscription(this, channel);
    }

    internal sealed class Subscription(LiveFeed feed, Channel<LiveChange> channel) : IDisposable
    {
        public ChannelReader<LiveChange> Reader => channel.Reader;

        public void Dispose()
        {
            lock (feed._gate)
            {
                feed._subscribers.Remove(channel);
            }
        }
    }
}
