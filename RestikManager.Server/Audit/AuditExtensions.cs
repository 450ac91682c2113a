using RestikManager.Server.Configuration;

namespace RestikManager.Server.Audit;

internal static class AuditExtensions
{
    public static IHostApplicationBuilder AddAudit(this IHostApplicationBuilder builder, ServerSettings settings)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => AuditLog.For(settings.DataDir, sp.GetRequiredService<Data.Database>(), sp.GetRequiredService<TimeProvider>()));
        return builder;
    }
}
