using RestikManager.Server.Data;
using RestikManager.Server.Events;

namespace RestikManager.Server.Replicas;

internal static class ReplicasExtensions
{
    /// <summary>
    /// This replica's identity and leadership, and on PostgreSQL the relay of replicated events (NOTIFY). Registered
    /// after the data, before the features that ask who leads.
    /// </summary>
    public static IHostApplicationBuilder AddReplicas(this IHostApplicationBuilder builder, Database database)
    {
        builder.Services.AddSingleton<Replica>();
        builder.Services.AddSingleton<Leadership>();
        builder.Services.AddHostedService(s => s.GetRequiredService<Leadership>());
        if (database.Engine == DatabaseEngine.Postgres)
        {
            builder.Services.AddSingleton<PostgresRelay>();
            builder.Services.AddSingleton<IEventRelay>(s => s.GetRequiredService<PostgresRelay>());
            builder.Services.AddHostedService(s => s.GetRequiredService<PostgresRelay>());
        }

        return builder;
    }
}
