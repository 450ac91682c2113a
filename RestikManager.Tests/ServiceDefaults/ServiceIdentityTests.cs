using OpenTelemetry.Resources;
using RestikManager.ServiceDefaults.Telemetry;

namespace RestikManager.Tests.ServiceDefaults;

/// <summary>Which name and instance a process's telemetry carries: ours by default, an orchestrator's when it gives them.</summary>
public sealed class ServiceIdentityTests
{
    [Fact]
    public void WithoutTheStandardVariablesTheServiceIsNamedByItsProgramAndThisHost()
    {
        var attributes = Attributes(_ => null);

        attributes["service.name"].ShouldBe("restic-manager-server");
        attributes["service.instance.id"].ShouldBe(Environment.MachineName);
        attributes.ShouldContainKey("service.version");
    }

    [Fact]
    public void TheNameAndInstanceAnOrchestratorGivesWin()
    {
        var environment = new Dictionary<string, string?>
        {
            ["OTEL_SERVICE_NAME"] = "host-3",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "service.instance.id=host-3-abcd",
        };

        var attributes = Attributes(environment.GetValueOrDefault);

        attributes["service.name"].ShouldBe("host-3");
        attributes.ShouldNotContainKey("service.instance.id", "left to OTEL_RESOURCE_ATTRIBUTES, which the SDK reads itself");
    }

    private static Dictionary<string, object> Attributes(Func<string, string?> environment) =>
        ResourceBuilder.CreateEmpty().AddServiceIdentity("restic-manager-server", environment).Build()
            .Attributes.ToDictionary(a => a.Key, a => a.Value);
}
