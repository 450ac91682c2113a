using RestikManager.Server.Api;
using RestikManager.Server.Events;

namespace RestikManager.Server.Stats;

internal static class StatsExtensions
{
    /// <summary>Repository statistics: restic stats read after changes, kept as a history, and their API.</summary>
    public static IHostApplicationBuilder AddStats(this IHostApplicationBuilder builder)
    {
        builder.AddJson(StatsJson.Default);
        builder.Services.AddOptions<StatsOptions>().BindConfiguration("Stats");
        builder.Services.AddSingleton<StatsStore>();
        builder.Services.AddSingleton<StatsCollector>();
        builder.Services.AddHandler<Jobs.JobRecorded, StatsCollector>();
        return builder;
    }
}
