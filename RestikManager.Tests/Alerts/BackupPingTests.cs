using System.Net.WebSockets;
using System.Text.Json;
using RestikManager.Contracts.Protocol;
using RestikManager.Tests.Agents;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Alerts;

/// <summary>
/// Healthchecks-style pings from real job events: an agent on the WebSocket reports its scheduled backups of a watched
/// plan, and the channel's URL hears <c>/start</c> when each begins, the URL itself on success and <c>/fail</c> on a failure
/// or a partial backup. A plan no rule watches pings nothing.
/// </summary>
public sealed class BackupPingTests : IDisposable
{
    private readonly ServerFactory _server = ServerFactory.OnKestrel(new Dictionary<string, string> { ["Alerts:FirstRetryDelay"] = "00:00:00.200" });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task EachBackupOfAWatchedPlanPingsStartThenSuccessOrFail()
    {
        await using var receiver = await HttpReceiver.StartAsync();
        using var admin = await Api.AdminAsync(_server);
        var (_, credential) = await Api.EnrollAsync(_server, admin, "web1");
        var repository = await BackupApi.CreateRepositoryAsync(admin, "main", "/srv/restic-repo");
        var watched = await BackupApi.CreatePlanAsync(admin, new { name = "etc", repositoryId = repository, hosts = new[] { "web1" }, paths = new[] { "/etc" } });
        var unwatched = await BackupApi.CreatePlanAsync(admin, new { name = "var", repositoryId = repository, hosts = new[] { "web1" }, paths = new[] { "/var" } });
        var channel = await AlertDeliveryTests.ChannelAsync(admin, new { name = "hc", kind = "healthchecks", url = receiver.Url + "/ping/etc-uuid" });
        await AlertDeliveryTests.RuleAsync(admin, new { name = "etc pings", events = new[] { "backup_failed" }, plans = new[] { watched }, channels = new[] { channel } });

        using var socket = await AgentChannelTests.ConnectAsync(_server, credential);
        await AgentChannelTests.SendAsync(socket, AgentChannelTests.Hello);
        (await AgentChannelTests.ReceiveTextAsync(socket)).ShouldContain("\"type\":\"welcome\"");
        await RunAsync(socket, repository, watched, JobStatuses.Succeeded);
        await RunAsync(socket, repository, unwatched, JobStatuses.Failed);
        await RunAsync(socket, repository, watched, JobStatuses.Partial);
        await RunAsync(socket, repository, watched, JobStatuses.Failed);

        var pings = await receiver.WaitForAsync(_ => true, 6, TimeSpan.FromSeconds(20), "six pings");
        pings.Select(p => p.PathAndQuery).ShouldBe([
            "/ping/etc-uuid/start", "/ping/etc-uuid",
            "/ping/etc-uuid/start", "/ping/etc-uuid/fail",
            "/ping/etc-uuid/start", "/ping/etc-uuid/fail",
        ]);
        pings[3].Text.ShouldContain("partial");
        (await Eventually.HoldsAsync(() => receiver.Requests.Count > 6, TimeSpan.FromSeconds(1))).ShouldBeFalse("the unwatched plan pinged nothing");
        (await BackupApi.JobsAsync(admin)).Length.ShouldBe(4, "each reported backup is one job");
    }

    /// <summary>One scheduled backup of <paramref name="plan"/> as the agent reports it: started, then ended with <paramref name="status"/>.</summary>
    private static async Task RunAsync(WebSocket socket, string repository, string plan, string status)
    {
        var id = Guid.NewGuid().ToString("N");
        var at = DateTimeOffset.UtcNow;
        await Send(socket, new JobStarted(id, JobKinds.Backup, repository, JobTriggers.Schedule, plan, at));
        await Send(socket, new JobResult(id, JobKinds.Backup, repository, JobTriggers.Schedule, plan, status, at, at.AddSeconds(1),
            ExitCode: status == JobStatuses.Succeeded ? 0 : status == JobStatuses.Partial ? 3 : 1,
            Error: status == JobStatuses.Failed ? "Fatal: unable to open repository" : null));
    }

    private static Task Send(WebSocket socket, AgentMessage message) =>
        AgentChannelTests.SendAsync(socket, JsonSerializer.Serialize(message, ProtocolJsonContext.Default.AgentMessage));
}
