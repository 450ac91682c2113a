using RestikManager.Server.Configuration;

namespace RestikManager.Server.Audit;

internal static class AuditExtensions
{
    public static IHostApplicationBuilder AddAudit(this IHostApplicationBuilder builder, ServerSettings settings)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new AuditLog(settings.DataDir, sp.GetRequiredService<TimeProvider>()));
        return builder;
    }
}
