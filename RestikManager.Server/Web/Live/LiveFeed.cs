using System.Threading.Channels;
using RestikManager.Server.Agents;
using RestikManager.Server.Events;
using RestikManager.Server.Jobs;

namespace RestikManager.Server.Web.Live;

/// <summary>
/// In-memory fan-out of what a page may show changed (a job's <see cref="JobChanged"/>, a host's <see cref="HostChanged"/>,
/// as the features publish them) to the pages' event streams. Each subscriber has a bounded queue:
/// a stream too slow to keep up loses the oldest changes and never blocks a publisher. Streams render current
/// state, not the change, so a lost change costs nothing once a later one (or the reconnect) comes.
/// </summary>
internal sealed class LiveFeed : IHandles<JobChanged>, IHandles<HostChanged>
{
    private const int QueueLength = 1024;
    private readonly Lock _gate = new();
    private readonly List<Channel<IDomainEvent>> _subscribers = [];

    public void Handle(JobChanged domainEvent) => Publish(domainEvent);

    public void Handle(HostChanged domainEvent) => Publish(domainEvent);

    private void Publish(IDomainEvent change)
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
        var channel = Channel.CreateBounded<IDomainEvent>(new BoundedChannelOptions(QueueLength)
        {
            FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true,
        });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        return new Subscription(this, channel);
    }

    internal sealed class Subscription(LiveFeed feed, Channel<IDomainEvent> channel) : IDisposable
    {
        public ChannelReader<IDomainEvent> Reader => channel.Reader;

        public void Dispose()
        {
            lock (feed._gate)
            {
                feed._subscribers.Remove(channel);
            }
        }
    }
}
