using OpenTelemetry.Resources;
using RestikManager.Contracts;

namespace RestikManager.ServiceDefaults.Telemetry;

/// <summary>Who a process's telemetry says it comes from.</summary>
public static class ServiceIdentity
{
    /// <summary>
    /// The service's name, version and instance (this host), except where the standard <c>OTEL_SERVICE_NAME</c> or
    /// <c>OTEL_RESOURCE_ATTRIBUTES</c> (<c>service.instance.id</c>) say otherwise: an orchestrator such as Aspire names
    /// each process that way (server, host-1, …), and its dashboard files the process's telemetry under that name.
    /// </summary>
    public static ResourceBuilder AddServiceIdentity(this ResourceBuilder resource, string serviceName, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(resource);
        environment ??= Environment.GetEnvironmentVariable;
        var name = environment("OTEL_SERVICE_NAME") is { Length: > 0 } given ? given : serviceName;
        var instanceGiven = (environment("OTEL_RESOURCE_ATTRIBUTES") ?? "").Contains("service.instance.id=", StringComparison.Ordinal);
        return resource.AddService(name, serviceVersion: BuildInfo.Current.Version, autoGenerateServiceInstanceId: false,
            serviceInstanceId: instanceGiven ? null : Environment.MachineName);
    }
}
