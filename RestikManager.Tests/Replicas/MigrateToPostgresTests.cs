using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using RestikManager.Server.Hosting;
using RestikManager.Tests.Infrastructure;
using static RestikManager.Tests.Agents.AgentChannelTests;

namespace RestikManager.Tests.Replicas;

/// <summary>
/// <c>restic-manager-server migrate-to-postgres</c> on a populated SQLite installation: everything moves (hosts with their
/// credentials, repositories with their secrets, plans, history, channels, the audit chain), the server then runs on
/// PostgreSQL with the old key, and the old agent is admitted and given its plan with its repository's password.
/// </summary>
public sealed class MigrateToPostgresTests : IDisposable
{
    private readonly TempDir _old = new("rm-old-data");
    private readonly TempDir _new = new("rm-new-data");
    private readonly string _url = PostgresCluster.Shared.NewDatabase();

    public void Dispose()
    {
        PostgresCluster.Shared.DropDatabase(_url);
        _old.Dispose();
        _new.Dispose();
    }

    [Fact]
    public async Task APopulatedInstallationMovesWholeAndItsAgentsWorkWithoutEnrollingAgain()
    {
        string agentId, credential, repositoryId, planId, jobId;
        string[] auditHashes;
        using (var sqlite = ServerFactory.OnKestrel(new() { ["RM_DATA_DIR"] = _old.Path, ["RM_DATABASE_URL"] = "" }))
        {
            using var admin = await Api.AdminAsync(sqlite);
            (agentId, credential) = await Api.EnrollAsync(sqlite, admin, "moved-host");
            repositoryId = await BackupApi.CreateRepositoryAsync(admin, "moved-repo", "/srv/moved");
            planId = await BackupApi.CreatePlanAsync(admin, new { name = "moved-plan", repositoryId, hosts = new[] { agentId }, paths = new[] { "/srv/data" }, schedule = "0 3 * * *" });
            using (var channel = await admin.PostAsJsonAsync("/api/v1/notification-channels", new { name = "hook", kind = "webhook", url = "http://127.0.0.1:9/secret-path-77" }))
            {
                channel.StatusCode.ShouldBe(HttpStatusCode.Created);
            }

            using (var agent = await ConnectAsync(sqlite, credential))
            {
                await SendAsync(agent, Hello);
                await HeardUntilAsync(agent, m => m.Contains("\"type\":\"plans\"", StringComparison.Ordinal));
                jobId = await BackupApi.StartJobAsync(admin, new { kind = "backup", planId });
                await HeardUntilAsync(agent, m => m.Contains("\"type\":\"runJob\"", StringComparison.Ordinal));
                await SendAsync(agent, System.Text.Json.JsonSerializer.Serialize(new
                {
                    type = "jobResult", jobId, kind = "backup", repositoryId, trigger = "manual", planId, status = "succeeded",
                    startedAt = DateTimeOffset.UtcNow.AddSeconds(-3), finishedAt = DateTimeOffset.UtcNow, snapshotId = new string('a', 64),
                }));
                await HeardUntilAsync(agent, m => m.Contains("\"type\":\"resultAck\"", StringComparison.Ordinal));
            }

            sqlite.Audit(out var entries).ShouldBeNull();
            auditHashes = [.. entries.Select(e => e.Hash)];
        }

        var output = new StringWriter();
        var errors = new StringWriter();
        var exit = await ServerCommandLine.Create(_ => Task.FromResult(0)).Parse(["migrate-to-postgres", "--from", _old.Path, "--to", _url])
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = errors });
        exit.ShouldBe(0, errors.ToString());
        output.ToString().ShouldContain("agents: 1");
        output.ToString().ShouldNotContain(PostgresCluster.Shared.Password);

        using var moved = ServerFactory.OnKestrel(new()
        {
            ["RM_DATA_DIR"] = _new.Path, ["RM_DATABASE_URL"] = _url, ["RM_SECRET_KEY_FILE"] = _old.Of("secret.key"),
        });
        using var again = await Api.AdminAsync(moved);
        (await Api.HostsAsync(again)).ShouldContain(h => h.Str("id") == agentId && h.Str("hostname") == "moved-host");
        var repository = await again.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/repositories/{repositoryId}");
        repository.GetProperty("hasPassword").GetBoolean().ShouldBeTrue();
        (await again.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/plans/{planId}")).Str("name").ShouldBe("moved-plan");
        (await BackupApi.JobsAsync(again)).ShouldContain(j => j.Str("id") == jobId && j.Str("status") == "succeeded");
        (await again.GetFromJsonAsync<System.Text.Json.JsonElement[]>("/api/v1/notification-channels"))!.ShouldContain(c => c.Str("name") == "hook");
        moved.Audit(out var trail).ShouldBeNull("one chain, verified");
        trail.Take(auditHashes.Length).Select(e => e.Hash).ShouldBe(auditHashes, "every entry moved as it was");
        trail[auditHashes.Length].Action.ShouldBe("data.migrate-to-postgres");

        // The old agent's credential still opens a session, and its plan set carries the moved password.
        using var back = await ConnectAsync(moved, credential);
        await SendAsync(back, Hello);
        var message = (await HeardUntilAsync(back, m => m.Contains("\"type\":\"plans\"", StringComparison.Ordinal))).Last();
        message.ShouldContain(planId);
        message.ShouldContain(BackupApi.RepoPassword);

        // A new enrollment gets an id after the moved ones.
        var (_, _) = await Api.EnrollAsync(moved, again, "after-the-move");

        var refusal = new StringWriter();
        var twice = await ServerCommandLine.Create(_ => Task.FromResult(0)).Parse(["migrate-to-postgres", "--from", _old.Path, "--to", _url])
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = new StringWriter(), Error = refusal });
        twice.ShouldBe(1, "a database that holds an installation is refused");
        refusal.ToString().ShouldContain("already holds an installation; migrate into an empty database");
    }
}
