using RestikManager.Server.Agents;
using RestikManager.Server.Api;

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
        return builder;
    }
}
