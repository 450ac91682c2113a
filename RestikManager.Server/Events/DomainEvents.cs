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
internal sealed partial class DomainEvents(IServiceProvider services, ILogger<DomainEvents> logger)
{
    // Resolved on first use, not in the constructor: handlers may depend on the publishers.
    private readonly ConcurrentDictionary<Type, object> _handlers = new();

    public void Publish<TEvent>(TEvent domainEvent)
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

    [LoggerMessage(160, LogLevel.Error, "Handling {Event} in {Handler} failed; the other handlers ran")]
    private static partial void LogHandlerFailed(ILogger logger, string @event, string handler, Exception exception);
}

internal static class EventsExtensions
{
    public static IHostApplicationBuilder AddEvents(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DomainEvents>();
        return builder;
    }

    /// <summary>Registers <typeparamref name="THandler"/> (already a singleton) as a reader of <typeparamref name="TEvent"/>.</summary>
    public static IServiceCollection AddHandler<TEvent, THandler>(this IServiceCollection services)
        where TEvent : IDomainEvent
        where THandler : class, IHandles<TEvent> =>
        services.AddSingleton<IHandles<TEvent>>(s => s.GetRequiredService<THandler>());
}
