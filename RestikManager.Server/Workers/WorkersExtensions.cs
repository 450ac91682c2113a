namespace RestikManager.Server.Workers;

internal static class WorkersExtensions
{
    /// <summary>The one way every background loop runs its iterations (<see cref="WorkerIterations"/>).</summary>
    public static IHostApplicationBuilder AddWorkers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section)
            .Validate(o => o.Problem() is null, "Workers options are invalid: MaintenanceEvery and LastSeenEvery are 100 ms to 10 min")
            .ValidateOnStart();
        builder.Services.AddSingleton<IWorkerFaultSeam, NoWorkerFaults>();
        builder.Services.AddSingleton<WorkerIterations>();
        return builder;
    }
}
