namespace RestikManager.Server.Workers;

internal static class WorkersExtensions
{
    /// <summary>The one way every background loop runs its iterations (<see cref="WorkerIterations"/>).</summary>
    public static IHostApplicationBuilder AddWorkers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IWorkerFaultSeam, NoWorkerFaults>();
        builder.Services.AddSingleton<WorkerIterations>();
        return builder;
    }
}
