using System.Collections.Concurrent;

namespace RestikManager.Server.Events;

/// <summary>
/// A fact a feature publishes about its own state (a job was recorded, a host connected). Each is declared by the
/// feature that publishes it, as a record of plain values (ids, the wire's messages), so that it can cross servers.
/// </summary>
internal interface IDomainEvent;

/// <summary>A reader of <typeparamref name="TEvent"/> (a live page, the alerts), registered as <c>IHandles&lt;TEvent&gt;</c>.</summary>
internal interface IHandles<in TEvent>
    where TEvent : IDomainEvent
{
    /// <summary>Called on the publisher's thread after its change is written: keep it short and never block.</summary>
    void Handle(TEvent domainEvent);
}

/// <summary>
/// Delivers each event to every registered handler of its type, in process. Features publish; readers subscribe: a
/// store never calls a page, a live stream or the alerts. A handler that throws is logged and the others still run;
/// the publisher's own change is already made.
/// </summary>
internal sealed partial class DomainEvents(IServiceProvider services, ReplicatedEventTypes replicated, ILogger<DomainEvents> logger)
{
    // Resolved on first use, not in the constructor: handlers may depend on the publishers.
    private readonly ConcurrentDictionary<Type, object> _handlers = new();

    // Set while a replicated event from another replica is handled: what its handlers publish stays on this replica.
    [ThreadStatic]
    private static bool _fromAnotherReplica;

    /// <summary>True while this thread handles an event another replica published.</summary>
    public static bool FromAnotherReplica => _fromAnotherReplica;

    public void Publish<TEvent>(TEvent domainEvent)
        where TEvent : IDomainEvent
    {
        Deliver(domainEvent);
        if (domainEvent is IReplicatedEvent shared && !_fromAnotherReplica
            && services.GetService<IEventRelay>() is { } relay && replicated.Write(shared) is { } wire)
        {
            try
            {
                relay.Relay(wire.Name, wire.Json);
            }
            catch (Exception e)
            {
                LogRelayFailed(logger, typeof(TEvent).Name, e);
            }
        }
    }

    /// <summary>A replicated event another replica published: this replica's handlers hear it; it goes no further.</summary>
    public void Receive(string name, string json)
    {
        if (replicated.Read(name, json) is not { } received)
        {
            return;
        }

        _fromAnotherReplica = true;
        try
        {
            received.Deliver(this, received.Event);
        }
        finally
        {
            _fromAnotherReplica = false;
        }
    }

    internal void Deliver<TEvent>(TEvent domainEvent)
        where TEvent : IDomainEvent
    {
        var handlers = (IHandles<TEvent>[])_handlers.GetOrAdd(typeof(TEvent), _ => services.GetServices<IHandles<TEvent>>().ToArray());
        foreach (var handler in handlers)
        {
            try
            {
                handler.Handle(domainEvent);
            }
            catch (Exception e)
            {
                LogHandlerFailed(logger, typeof(TEvent).Name, handler.GetType().Name, e);
            }
        }
    }

    [LoggerMessage(161, LogLevel.Warning, "Sending {Event} to the other replicas failed; they see it at their next refresh")]
    private static partial void LogRelayFailed(ILogger logger, string @event, Exception exception);

    [LoggerMessage(160, LogLevel.Error, "Handling {Event} in {Handler} failed; the other handlers ran")]
    private static partial void LogHandlerFailed(ILogger logger, string @event, string handler, Exception exception);
}

internal static class EventsExtensions
{
    public static IHostApplicationBuilder AddEvents(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DomainEvents>();
        builder.Services.AddSingleton(new ReplicatedEventTypes());
        return builder;
    }

    /// <summary>Makes <typeparamref name="TEvent"/> heard on every replica, under <paramref name="name"/>.</summary>
    public static IServiceCollection AddReplicated<TEvent>(this IServiceCollection services, string name, System.Text.Json.Serialization.Metadata.JsonTypeInfo<TEvent> info)
        where TEvent : IReplicatedEvent
    {
        var types = (ReplicatedEventTypes?)services.LastOrDefault(d => d.ServiceType == typeof(ReplicatedEventTypes))?.ImplementationInstance
            ?? throw new InvalidOperationException("AddEvents comes before any feature's AddReplicated");
        types.Add(name, info);
        return services;
    }

    /// <summary>Registers <typeparamref name="THandler"/> (already a singleton) as a reader of <typeparamref name="TEvent"/>.</summary>
    public static IServiceCollection AddHandler<TEvent, THandler>(this IServiceCollection services)
        where TEvent : IDomainEvent
        where THandler : class, IHandles<TEvent> =>
        services.AddSingleton<IHandles<TEvent>>(s => s.GetRequiredService<THandler>());
}
