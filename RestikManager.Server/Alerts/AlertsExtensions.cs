using RestikManager.Server.Alerts.Sending;
using RestikManager.Server.Api;
using RestikManager.Server.Events;

namespace RestikManager.Server.Alerts;

internal static class AlertsExtensions
{
    /// <summary>Alerts: channels, rules, the evaluator that finds incidents, and the outbox worker that delivers them.</summary>
    public static IHostApplicationBuilder AddAlerts(this IHostApplicationBuilder builder)
    {
        builder.AddJson(AlertsApiJson.Default);
        builder.Services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section)
            .Validate(o => o.Problem() is null, "Alerts options are invalid: EvaluateEvery ≥ 100 ms, RetryFor ≥ 0, 0 < FirstRetryDelay ≤ MaxRetryDelay, "
                + "SendTryTimeout 100 ms to 1 h, SendRetries 1 to 10, SendRetryDelay 10 ms to 1 min, ChannelFailingAfter ≥ 1")
            .ValidateOnStart();
        builder.Services.AddSingleton<ChannelStore>();
        builder.Services.AddSingleton<RuleStore>();
        builder.Services.AddSingleton<IncidentStore>();
        builder.Services.AddSingleton<ChannelCommands>();
        builder.Services.AddSingleton<RuleCommands>();
        builder.Services.AddSingleton<AlertViews>();
        builder.Services.AddSingleton<AlertLinks>();
        builder.Services.AddSingleton<AlertSignal>();
        builder.Services.AddSingleton<BackupPings>();
        builder.Services.AddSingleton<AlertTriggers>();
        builder.Services.AddHandler<Jobs.JobRecorded, AlertTriggers>();
        builder.Services.AddHandler<Jobs.JobFinishedByServer, AlertTriggers>();
        builder.Services.AddHandler<Jobs.JobStartedOnHost, AlertTriggers>();
        builder.Services.AddHandler<Agents.HostConnected, AlertTriggers>();
        builder.Services.AddSingleton<AlertWake>();
        builder.Services.AddHandler<AlertWorkDue, AlertWake>();
        builder.Services.AddReplicated("alert-work-due", AlertJson.Default.AlertWorkDue);
        builder.Services.AddSingleton<EmailSender>();
        builder.Services.AddSingleton<ChannelSender>();
        builder.Services.AddSingleton<DeliveryWorker>();
        builder.Services.AddHostedService(s => s.GetRequiredService<DeliveryWorker>());
        builder.Services.AddSingleton<AlertEvaluator>();
        builder.Services.AddHostedService(s => s.GetRequiredService<AlertEvaluator>());
        return builder;
    }
}
