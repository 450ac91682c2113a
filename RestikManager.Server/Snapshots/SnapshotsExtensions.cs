using RestikManager.Server.Agents;
using RestikManager.Server.Api;
using RestikManager.Server.Events;

namespace RestikManager.Server.Snapshots;

internal static class SnapshotsExtensions
{
    /// <summary>Snapshots: the cached lists and reading repositories through agents (queries).</summary>
    public static IHostApplicationBuilder AddSnapshots(this IHostApplicationBuilder builder)
    {
        builder.AddJson(SnapshotsJson.Default);
        builder.Services.AddSingleton<SnapshotCache>();
        builder.Services.AddSingleton<QueryBroker>();
        builder.Services.AddSingleton<SnapshotService>();
        builder.Services.AddSingleton<IAgentEvents>(s => s.GetRequiredService<QueryBroker>());
        builder.Services.AddHandler<QueryForwarded, QueryBroker>();
        builder.Services.AddHandler<QueryAnswered, QueryBroker>();
        builder.Services.AddReplicated("query-forwarded", SnapshotsJson.Default.QueryForwarded);
        builder.Services.AddReplicated("query-answered", SnapshotsJson.Default.QueryAnswered);
        return builder;
    }
}
