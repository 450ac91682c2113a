using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RestikManager.Server.Events;

/// <summary>
/// An event every replica of the server hears (with PostgreSQL, through NOTIFY): its handlers run on the replica where
/// it happened and on each other one. Only facts whose readers are on every replica are replicated (a live page, a
/// cache to forget, a connection to close); what must happen once (an alert, a ping) stays with the event's origin.
/// Replicated events carry ids and small values, never a secret.
/// </summary>
internal interface IReplicatedEvent : IDomainEvent;

/// <summary>Carries replicated events to the other replicas (implemented by the replicas feature; none on SQLite).</summary>
internal interface IEventRelay
{
    void Relay(string name, string json);
}

/// <summary>The replicated event types, each with a name on the wire and its source-generated JSON.</summary>
internal sealed class ReplicatedEventTypes
{
    private readonly Dictionary<Type, (string Name, JsonTypeInfo Info)> _byType = [];
    private readonly Dictionary<string, (JsonTypeInfo Info, Action<DomainEvents, IReplicatedEvent> Deliver)> _byName = new(StringComparer.Ordinal);

    public void Add<TEvent>(string name, JsonTypeInfo<TEvent> info)
        where TEvent : IReplicatedEvent
    {
        _byType[typeof(TEvent)] = (name, info);
        _byName[name] = (info, (events, e) => events.Deliver((TEvent)e));
    }

    public (string Name, string Json)? Write(IReplicatedEvent domainEvent) =>
        _byType.TryGetValue(domainEvent.GetType(), out var known)
            ? (known.Name, JsonSerializer.Serialize(domainEvent, known.Info))
            : null;

    /// <summary>The event <paramref name="json"/> holds and how to hand it to its handlers; null for a name this server does not know.</summary>
    public (IReplicatedEvent Event, Action<DomainEvents, IReplicatedEvent> Deliver)? Read(string name, string json) =>
        _byName.TryGetValue(name, out var known) && JsonSerializer.Deserialize(json, known.Info) is IReplicatedEvent e ? (e, known.Deliver) : null;
}
