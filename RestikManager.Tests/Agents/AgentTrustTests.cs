using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using RestikManager.Server.Agents;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Audit;
using RestikManager.Server.Jobs;
using RestikManager.Tests.Infrastructure;
using static RestikManager.Tests.Agents.AgentChannelTests;

namespace RestikManager.Tests.Agents;

/// <summary>
/// An enrolled agent is trusted with its own work only: raw WebSocket frames from one enrolled host claiming another's
/// work are refused, audited and change nothing, and never earn it another repository's secrets.
/// </summary>
public sealed class AgentTrustTests : IAsyncLifetime
{
    private const string OtherPassword = "victim-repository-password-0451";
    private readonly ServerFactory _server = ServerFactory.OnKestrel();
    private HttpClient _admin = null!;
    private string _victimId = "";
    private string _victimCredential = "";
    private string _attackerId = "";
    private string _attackerCredential = "";
    private string _victimRepo = "";
    private string _victimPlan = "";
    private string _attackerRepo = "";
    private string _attackerPlan = "";

    public async Task InitializeAsync()
    {
        _admin = await Api.AdminAsync(_server);
        (_victimId, _victimCredential) = await Api.EnrollAsync(_server, _admin, "victim");
        (_attackerId, _attackerCredential) = await Api.EnrollAsync(_server, _admin, "attacker");
        _victimRepo = await BackupApi.CreateRepositoryAsync(_admin, "victim-repo", "/srv/victim-repo", OtherPassword);
        _attackerRepo = await BackupApi.CreateRepositoryAsync(_admin, "attacker-repo", "/srv/attacker-repo");
        _victimPlan = await BackupApi.CreatePlanAsync(_admin, Plan("victim-plan", _victimRepo, _victimId));
        _attackerPlan = await BackupApi.CreatePlanAsync(_admin, Plan("attacker-plan", _attackerRepo, _attackerId));
    }

    public Task DisposeAsync()
    {
        _admin.Dispose();
        _server.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task AScheduledResultForAnotherHostsPlanIsRefusedAndEarnsNoSecrets()
    {
        using var attacker = await OnlineAsync(_attackerCredential);

        await SendAsync(attacker, Result(NewId(), _victimRepo, _victimPlan, "schedule"));

        var ack = (await HeardUntilAsync(attacker, m => m.Contains("\"type\":\"resultAck\"", StringComparison.Ordinal))).ShouldHaveSingleItem();
        ack.ShouldContain("\"refused\":\"its plan does not include this host\"");
        ack.ShouldNotContain(OtherPassword);
        (await Api.HostsAsync(_admin)).Single(h => h.Str("hostname") == "attacker").Str("status")
            .ShouldBe("online", "an honest agent can hold a stale scheduled result: refused, not cut off");
        (await HeardAsync(attacker, TimeSpan.FromSeconds(2))).ShouldBeEmpty("no snapshot refresh, so no repository secrets");
        (await BackupApi.JobsAsync(_admin)).ShouldBeEmpty();
        ShouldBeAuditedAndLogged("agent.jobResult");
    }

    [Theory]
    [InlineData("manual", "jobResult refused: the server never sent this job")]
    [InlineData("schedule-forget", "jobResult refused: the server never sent this job")]
    public async Task AResultForAJobTheServerNeverSentClosesTheConnection(string how, string reason)
    {
        using var attacker = await OnlineAsync(_attackerCredential);
        var message = how == "manual"
            ? Result(NewId(), _victimRepo, _victimPlan, "manual")
            : Result(NewId(), _victimRepo, _victimPlan, "schedule", kind: "forget");

        await SendAsync(attacker, message);

        var (status, description) = await ReceiveCloseAsync(attacker);
        status.ShouldBe(WebSocketCloseStatus.PolicyViolation);
        description.ShouldBe(reason);
        (await BackupApi.JobsAsync(_admin)).ShouldBeEmpty();
        ShouldBeAuditedAndLogged("agent.jobResult");
    }

    [Fact]
    public async Task AForgedRunningBackupIsNotRecordedAndBlocksNothing()
    {
        using var attacker = await OnlineAsync(_attackerCredential);

        await SendAsync(attacker, Started(NewId(), _victimRepo, _victimPlan, "schedule"));
        await SendAsync(attacker, """{"type":"heartbeat","sentAt":"2026-01-01T00:00:00Z"}""");

        (await HeardAsync(attacker, TimeSpan.FromSeconds(1))).ShouldBeEmpty();
        (await BackupApi.JobsAsync(_admin)).ShouldBeEmpty();
        using var victim = await OnlineAsync(_victimCredential);
        var unlock = await BackupApi.StartJobAsync(_admin, new { kind = "unlock", repositoryId = _victimRepo, host = "victim" });
        (await HeardUntilAsync(victim, m => m.Contains("\"runJob\"", StringComparison.Ordinal)))[^1].ShouldContain(unlock);
        ShouldBeAuditedAndLogged("agent.jobStarted");
    }

    [Fact]
    public async Task ClaimsOnAnotherHostsDispatchedJobCloseTheConnectionAndChangeNothing()
    {
        using var victim = await OnlineAsync(_victimCredential);
        var job = await BackupApi.StartJobAsync(_admin, new { kind = "unlock", repositoryId = _victimRepo, host = "victim" });
        await HeardUntilAsync(victim, m => m.Contains(job, StringComparison.Ordinal));
        using var attacker = await OnlineAsync(_attackerCredential);

        await SendAsync(attacker, Result(job, _victimRepo, null, "manual", kind: "unlock"));

        (await ReceiveCloseAsync(attacker)).Description.ShouldBe("jobResult refused: job belongs to another host");
        var view = await (await _admin.GetAsync($"/api/v1/jobs/{job}")).JsonAsync();
        view.Str("status").ShouldBe("running");
        view.Str("agentId").ShouldBe(_victimId);
    }

    [Fact]
    public async Task ProgressIsShownOnlyFromTheHostRunningTheJob()
    {
        using var victim = await OnlineAsync(_victimCredential);
        var job = await BackupApi.StartJobAsync(_admin, new { kind = "unlock", repositoryId = _victimRepo, host = "victim" });
        await HeardUntilAsync(victim, m => m.Contains(job, StringComparison.Ordinal));
        using var attacker = await OnlineAsync(_attackerCredential);

        // The attacker's progress first, then a claim that closes its connection: its messages are handled in order, so
        // the progress was judged before the close arrives.
        await SendAsync(attacker, Progress(job, 0.99));
        await SendAsync(attacker, Result(job, _victimRepo, null, "manual", kind: "unlock"));
        await ReceiveCloseAsync(attacker);
        (await JobAsync(job)).Str("progress").ShouldBe("", "no progress from a host that does not run the job");

        await SendAsync(victim, Progress(job, 0.25));
        await BackupApi.WaitForJobsAsync(_admin, "", j => j.Any(x => x.Str("id") == job && x.Str("progress") != ""), TimeSpan.FromSeconds(10), "progress");
        (await JobAsync(job)).GetProperty("progress").GetProperty("percentDone").GetDouble().ShouldBe(0.25);
    }

    [Fact]
    public async Task AResultThatRenamesItsOwnJobsRepositoryClosesTheConnection()
    {
        using var attacker = await OnlineAsync(_attackerCredential);
        var job = await BackupApi.StartJobAsync(_admin, new { kind = "unlock", repositoryId = _attackerRepo, host = "attacker" });
        await HeardUntilAsync(attacker, m => m.Contains(job, StringComparison.Ordinal));

        await SendAsync(attacker, Result(job, _victimRepo, null, "manual", kind: "unlock"));

        (await ReceiveCloseAsync(attacker)).Description.ShouldBe("jobResult refused: job does not match what the server sent");
        (await (await _admin.GetAsync($"/api/v1/jobs/{job}")).JsonAsync()).Str("status").ShouldBe("running");
    }

    [Fact]
    public async Task AScheduledBackupOfItsOwnPlanIsRecordedOnceAndItsRepositoryRefreshed()
    {
        using var attacker = await OnlineAsync(_attackerCredential);
        var id = NewId();

        await SendAsync(attacker, Started(id, _attackerRepo, _attackerPlan, "schedule"));
        await SendAsync(attacker, Result(id, _attackerRepo, _attackerPlan, "schedule"));
        await SendAsync(attacker, Result(id, _attackerRepo, _attackerPlan, "schedule"));

        // Two plain acknowledgements (the repeat is acknowledged again) and the snapshot refresh, in whatever order (the
        // size reading that follows a first backup is a query too, and may come before or after them).
        var heard = new List<string>();
        static bool IsAck(string m) => m.Contains("\"type\":\"resultAck\"", StringComparison.Ordinal);
        while (heard.Count(IsAck) < 2 || !heard.Any(m => m.Contains("\"type\":\"query\"", StringComparison.Ordinal)))
        {
            heard.Add(await ReceiveTextAsync(attacker));
        }

        heard.Where(IsAck).ShouldAllBe(m => !m.Contains("refused", StringComparison.Ordinal));
        heard.Where(m => m.Contains("\"type\":\"query\"", StringComparison.Ordinal))
            .ShouldAllBe(m => m.Contains($"\"id\":\"{_attackerRepo}\"", StringComparison.Ordinal), "every query asks about its own repository");
        var jobs = await BackupApi.JobsAsync(_admin);
        jobs.ShouldHaveSingleItem().Str("status").ShouldBe("succeeded");
        jobs[0].Str("agentId").ShouldBe(_attackerId);
    }

    [Fact]
    public async Task AJobOfAHostAwayPastTheDeadlineEndsInterruptedAndItsLateResultStillCounts()
    {
        var victim = await OnlineAsync(_victimCredential);
        var job = await BackupApi.StartJobAsync(_admin, new { kind = "unlock", repositoryId = _victimRepo, host = "victim" });
        await HeardUntilAsync(victim, m => m.Contains(job, StringComparison.Ordinal));
        await SendAsync(victim, Started(job, _victimRepo, null, "manual", kind: "unlock"));
        await Api.WaitForHostsAsync(_admin, h => h.Any(x => x.Str("hostname") == "victim"), TimeSpan.FromSeconds(5), "victim listed");
        await victim.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        victim.Dispose();
        await Api.WaitForHostsAsync(_admin, h => h.Single(x => x.Str("hostname") == "victim").Str("status") == "offline", TimeSpan.FromSeconds(10), "victim offline");

        Sweep(AwayHostJobs.Deadline - TimeSpan.FromMinutes(1));
        (await JobAsync(job)).Str("status").ShouldBe("running");
        Sweep(AwayHostJobs.Deadline + TimeSpan.FromMinutes(1));
        var ended = await JobAsync(job);
        ended.Str("status").ShouldBe("interrupted");
        ended.Str("errorClass").ShouldBe("host_away");
        ended.Str("error").ShouldContain("away since");

        using var back = await OnlineAsync(_victimCredential);
        await SendAsync(back, Result(job, _victimRepo, null, "manual", kind: "unlock"));
        await HeardUntilAsync(back, m => m.Contains("resultAck", StringComparison.Ordinal));
        var delivered = await JobAsync(job);
        delivered.Str("status").ShouldBe("succeeded");
        delivered.Str("errorClass").ShouldBe("");
    }

    private void Sweep(TimeSpan after)
    {
        var services = _server.Services;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow + after);
        new AwayHostJobs(services.GetRequiredService<JobStore>(), services.GetRequiredService<AgentStore>(),
            services.GetRequiredService<AgentConnections>(), services.GetRequiredService<AgentPresence>(),
            services.GetRequiredService<JobDispatcher>(), services.GetRequiredService<JobViews>(), clock,
            services.GetRequiredService<ILogger<AwayHostJobs>>()).Sweep();
    }

    private async Task<JsonElement> JobAsync(string id) => await (await _admin.GetAsync($"/api/v1/jobs/{id}")).JsonAsync();

    private void ShouldBeAuditedAndLogged(string action)
    {
        _server.Audit(out var entries).ShouldBeNull();
        entries.ShouldContain(e => e.Action == action && e.Outcome == "denied" && e.Actor == $"agent:{_attackerId}");
        _server.Logs.Lines.ShouldContain(l => l.StartsWith("Warning ", StringComparison.Ordinal)
            && l.Contains(": Refused ", StringComparison.Ordinal) && l.Contains($"from agent {_attackerId}", StringComparison.Ordinal));
    }

    /// <summary>Connects, says hello, and reads the welcome and the plan set that follow it.</summary>
    private async Task<ClientWebSocket> OnlineAsync(string credential)
    {
        var socket = await ConnectAsync(_server, credential);
        await SendAsync(socket, $$"""{"type":"hello","protocolVersion":2,"agentVersion":"1.0.0","commit":"c","buildDate":"d","os":"linux","arch":"amd64","hostname":"h","resticVersion":"0.14.0"}""");
        await HeardUntilAsync(socket, m => m.Contains("\"type\":\"plans\"", StringComparison.Ordinal));
        return socket;
    }

    /// <summary>Everything the server sends within <paramref name="quiet"/> (stops early when it closes).</summary>
    private static async Task<List<string>> HeardAsync(WebSocket socket, TimeSpan quiet)
    {
        var heard = new List<string>();
        using var timeout = new CancellationTokenSource(quiet);
        using var reader = new SocketReader(socket);
        try
        {
            while (await reader.ReadAsync(timeout.Token) != Received.Close)
            {
                heard.Add(System.Text.Encoding.UTF8.GetString(reader.Message.Span));
            }

            return heard;
        }
        catch (OperationCanceledException)
        {
            return heard;
        }
    }

    private static object Plan(string name, string repositoryId, string hostId) =>
        new { name, repositoryId, hosts = new[] { hostId }, paths = new[] { "/srv/data" }, schedule = "0 3 * * *" };

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static string Started(string id, string repositoryId, string? planId, string trigger, string kind = "backup") =>
        JsonSerializer.Serialize(new { type = "jobStarted", jobId = id, kind, repositoryId, trigger, planId, startedAt = DateTimeOffset.UtcNow });

    private static string Progress(string id, double percentDone) => JsonSerializer.Serialize(new
    {
        type = "jobProgress", jobId = id, percentDone, filesDone = 1, totalFiles = 4, bytesDone = 1, totalBytes = 4, errorCount = 0,
        secondsElapsed = 1, secondsRemaining = 3, currentFile = "/srv/data/a",
    });

    private static string Result(string id, string repositoryId, string? planId, string trigger, string kind = "backup") =>
        JsonSerializer.Serialize(new
        {
            type = "jobResult", jobId = id, kind, repositoryId, trigger, planId, status = "succeeded",
            startedAt = DateTimeOffset.UtcNow.AddMinutes(-1), finishedAt = DateTimeOffset.UtcNow,
        });
}
