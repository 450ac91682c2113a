using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RestikManager.Server.Replicas;
using RestikManager.Tests.Infrastructure;
using static RestikManager.Tests.Agents.AgentChannelTests;

namespace RestikManager.Tests.Replicas;

/// <summary>
/// Two replicas of the real server in one process, on one PostgreSQL database (each its own data directory, Kestrel
/// port and DI container), and a raw WebSocket agent: what is asked on one replica reaches an agent connected to the
/// other, what the agent reports is seen on both, and an agent has one session across them. The process tests
/// (<c>ReplicaProcessTests</c>) do the same through HAProxy with published servers and a real agent.
/// </summary>
public sealed class ReplicaTests : IAsyncLifetime
{
    private readonly Dictionary<string, string> _shared = new()
    {
        ["RM_DATABASE_URL"] = PostgresCluster.Shared.NewDatabase(),
        ["RM_SECRET_KEY"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        ["Workers__MaintenanceEvery"] = "00:00:00.500",
    };

    private ServerFactory _a = null!;
    private ServerFactory _b = null!;
    private HttpClient _adminA = null!;
    private HttpClient _adminB = null!;

    public async Task InitializeAsync()
    {
        _a = ServerFactory.OnKestrel(new(_shared));
        _b = ServerFactory.OnKestrel(new(_shared));
        _adminA = await Api.AdminAsync(_a);
        _adminB = await Api.AdminAsync(_b);
    }

    public Task DisposeAsync()
    {
        _adminA.Dispose();
        _adminB.Dispose();
        _a.Dispose();
        _b.Dispose();
        PostgresCluster.Shared.DropDatabase(_shared["RM_DATABASE_URL"]);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task AJobAskedOnOneReplicaRunsOnAnAgentOfTheOtherAndBothSeeItsProgressAndItsEnd()
    {
        var (agentId, credential) = await Api.EnrollAsync(_b, _adminB, "web-a");
        using var agent = await OnlineAsync(_a, credential);
        await Api.WaitForHostsAsync(_adminB, hosts => hosts.Any(h => h.Str("id") == agentId && h.Str("status") == "online"),
            TimeSpan.FromSeconds(10), "the host online on the replica it is not connected to");

        // A plan saved on B reaches the agent on A (its plan set carries the repository's secrets: A sends it, not B).
        var repositoryId = await BackupApi.CreateRepositoryAsync(_adminB, "repo", "/srv/repo");
        var planId = await BackupApi.CreatePlanAsync(_adminB, new { name = "nightly", repositoryId, hosts = new[] { agentId }, paths = new[] { "/srv/data" }, schedule = "0 3 * * *" });
        (await HeardUntilAsync(agent, m => m.Contains("\"type\":\"plans\"", StringComparison.Ordinal) && m.Contains(planId, StringComparison.Ordinal)))
            .Last().ShouldContain(BackupApi.RepoPassword);

        var jobId = await BackupApi.StartJobAsync(_adminB, new { kind = "backup", planId });
        var run = (await HeardUntilAsync(agent, m => m.Contains("\"type\":\"runJob\"", StringComparison.Ordinal))).Last();
        run.ShouldContain(jobId);

        await SendAsync(agent, JsonSerializer.Serialize(new { type = "jobStarted", jobId, kind = "backup", repositoryId, trigger = "manual", planId, startedAt = DateTimeOffset.UtcNow }));
        await SendAsync(agent, JsonSerializer.Serialize(new
        {
            type = "jobProgress", jobId, percentDone = 0.42, filesDone = 42, totalFiles = 100, bytesDone = 420, totalBytes = 1000, errorCount = 0,
            secondsElapsed = 4, secondsRemaining = 6, currentFile = "/srv/data/file-42",
        }));
        foreach (var admin in new[] { _adminA, _adminB })
        {
            await Eventually.TrueAsync(() => Job(admin, jobId).TryGetProperty("progress", out var p) && p.ValueKind == JsonValueKind.Object
                && p.GetProperty("percentDone").GetDouble() > 0.4, TimeSpan.FromSeconds(10), "the live progress on both replicas");
        }

        // A cancel from B reaches the agent on A.
        using (var cancel = await _adminB.PostAsync($"/api/v1/jobs/{jobId}/cancel", null))
        {
            cancel.StatusCode.ShouldBe(HttpStatusCode.Accepted, await cancel.Content.ReadAsStringAsync());
        }

        (await HeardUntilAsync(agent, m => m.Contains("\"type\":\"cancelJob\"", StringComparison.Ordinal))).Last().ShouldContain(jobId);
        await SendAsync(agent, JsonSerializer.Serialize(new
        {
            type = "jobResult", jobId, kind = "backup", repositoryId, trigger = "manual", planId, status = "cancelled", errorClass = "interrupted",
            error = "cancelled", startedAt = DateTimeOffset.UtcNow.AddSeconds(-5), finishedAt = DateTimeOffset.UtcNow,
        }));
        (await HeardUntilAsync(agent, m => m.Contains("\"type\":\"resultAck\"", StringComparison.Ordinal))).Last().ShouldContain(jobId);
        (await BackupApi.WaitForJobAsync(_adminB, jobId, TimeSpan.FromSeconds(10))).Str("status").ShouldBe("cancelled");
        (await BackupApi.JobsAsync(_adminA)).Count(j => j.Str("id") == jobId).ShouldBe(1, "recorded once");
    }

    [Fact]
    public async Task ASnapshotListAskedOnOneReplicaIsReadThroughTheAgentOnTheOther()
    {
        var (agentId, credential) = await Api.EnrollAsync(_a, _adminA, "web-c");
        using var agent = await OnlineAsync(_a, credential);
        await Api.WaitForHostsAsync(_adminB, hosts => hosts.Any(h => h.Str("id") == agentId && h.Str("status") == "online"),
            TimeSpan.FromSeconds(10), "the host online on the replica it is not connected to");
        var repositoryId = await BackupApi.CreateRepositoryAsync(_adminB, "browsed", "/srv/browsed");

        var refresh = _adminB.PostAsync($"/api/v1/repositories/{repositoryId}/snapshots/refresh?host=web-c", null);
        var query = (await HeardUntilAsync(agent, m => m.Contains("\"type\":\"query\"", StringComparison.Ordinal))).Last();
        query.ShouldContain(BackupApi.RepoPassword, Case.Sensitive, "A, which holds the agent, filled in the secrets B never sent it");
        var snapshotId = new string('c', 64);
        await SendAsync(agent, JsonSerializer.Serialize(new
        {
            type = "queryReply", queryId = JsonDocument.Parse(query).RootElement.Str("queryId"), done = true,
            snapshots = new[] { new { id = snapshotId, shortId = snapshotId[..8], time = DateTimeOffset.UtcNow, hostname = "web-c", paths = new[] { "/srv/data" } } },
        }));

        using var answer = await refresh;
        var body = await answer.Content.ReadAsStringAsync();
        answer.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        body.ShouldContain(snapshotId);
        (await _adminA.GetStringAsync($"/api/v1/repositories/{repositoryId}/snapshots")).ShouldContain(snapshotId);
        _a.Execute("DELETE FROM query_answers").ShouldBe(0, "the asker took the answer away");
    }

    [Fact]
    public async Task AnAgentHasOneSessionAcrossReplicasAndARevocationOnOneClosesItOnTheOther()
    {
        var (agentId, credential) = await Api.EnrollAsync(_a, _adminA, "web-b");
        using var first = await OnlineAsync(_a, credential);
        using var second = await OnlineAsync(_b, credential);

        var (status, reason) = await ReceiveCloseAsync(first);
        status.ShouldBe(WebSocketCloseStatus.PolicyViolation);
        reason.ShouldBe("replaced by a newer connection from the same agent");
        await Api.WaitForHostsAsync(_adminA, hosts => hosts.Any(h => h.Str("id") == agentId && h.Str("status") == "online"),
            TimeSpan.FromSeconds(10), "online on A through its session on B");

        using (var revoke = await _adminA.PostAsync($"/api/v1/hosts/{agentId}/revoke", null))
        {
            revoke.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        (await ReceiveCloseAsync(second)).Description.ShouldBe("credential revoked");
        await ConnectAsync(_b, credential, expectAccepted: false);
    }

    [Fact]
    public async Task OneReplicaLeadsAndTheOtherTakesOverWhenItStops()
    {
        var leaders = new[] { _a, _b }.Where(s => s.Services.GetRequiredService<Leadership>().IsLeader).ToList();
        leaders.Count.ShouldBeLessThanOrEqualTo(1);
        await Eventually.TrueAsync(() => new[] { _a, _b }.Count(s => s.Services.GetRequiredService<Leadership>().IsLeader) == 1,
            TimeSpan.FromSeconds(10), "one leader");

        var leader = new[] { _a, _b }.Single(s => s.Services.GetRequiredService<Leadership>().IsLeader);
        var other = leader == _a ? _b : _a;
        leader.Dispose();
        await Eventually.TrueAsync(() => other.Services.GetRequiredService<Leadership>().IsLeader, TimeSpan.FromSeconds(10), "the other replica leads");
    }

    private static JsonElement Job(HttpClient admin, string id) => admin.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{id}").GetAwaiter().GetResult();

    private static async Task<ClientWebSocket> OnlineAsync(ServerFactory server, string credential)
    {
        var socket = await ConnectAsync(server, credential);
        await SendAsync(socket, Hello);
        await HeardUntilAsync(socket, m => m.Contains("\"type\":\"plans\"", StringComparison.Ordinal));
        return socket;
    }
}
