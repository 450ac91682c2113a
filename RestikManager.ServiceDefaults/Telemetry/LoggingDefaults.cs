using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;

namespace RestikManager.ServiceDefaults.Telemetry;

/// <summary>How every process logs: one UTC-stamped line per event on the console, and OTLP when configured.</summary>
public static class LoggingDefaults
{
    /// <summary>The console format: one line per event, stamped in UTC.</summary>
    public static ILoggingBuilder AddServiceConsole(this ILoggingBuilder logging) => logging.AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        o.UseUtcTimestamp = true;
    });

    /// <summary>
    /// The lean path (the agent, which has no host): the console format and, when
    /// <see cref="ServiceTelemetry.IsExportConfigured"/>, OTLP log export. Web services get both from
    /// <see cref="Extensions.AddServiceDefaults{TBuilder}"/> instead.
    /// </summary>
    public static ILoggingBuilder AddServiceLogging(this ILoggingBuilder logging, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.AddServiceConsole();
        if (ServiceTelemetry.IsExportConfigured)
        {
            logging.AddOpenTelemetry(o =>
            {
                o.SetResourceBuilder(ServiceTelemetry.Resource(serviceName));
                o.IncludeFormattedMessage = true;
                o.AddOtlpExporter();
            });
        }

        return logging;
    }
}
