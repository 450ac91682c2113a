namespace RestikManager.Server.Protection;

internal static class ProtectionExtensions
{
    /// <summary>The verdicts (is each host protected, per plan), read by the pages, the hosts API and the alerts.</summary>
    public static IHostApplicationBuilder AddProtection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ProtectionReport>();
        builder.Services.AddHostedService<ProtectionWarmup>();
        return builder;
    }
}
