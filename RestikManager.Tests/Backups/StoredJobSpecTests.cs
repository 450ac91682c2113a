using Dapper;
using Microsoft.Extensions.DependencyInjection;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Data;
using RestikManager.Server.Jobs;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Backups;

/// <summary>A queued job's identity is kept once, in the row's columns; its spec keeps what the job runs.</summary>
public sealed class StoredJobSpecTests : IDisposable
{
    private readonly ServerFactory _server = new();

    [Fact]
    public void TheSpecIsStoredWithoutItsIdentityAndReadBackWhole()
    {
        var jobs = _server.Services.GetRequiredService<JobStore>();
        var spec = new JobSpec("j1", JobKinds.Restore, "r1", JobTriggers.Manual, "p1", SnapshotId: "abc123", IncludePath: "/srv", Target: "/tmp/out");

        jobs.Enqueue(spec, "a1");

        using (var connection = _server.Services.GetRequiredService<Database>().Open())
        {
            var stored = connection.QuerySingle<string>("SELECT spec FROM jobs WHERE id = 'j1'");
            foreach (var identity in new[] { "jobId", "kind", "repositoryId", "trigger", "planId" })
            {
                stored.ShouldNotContain($"\"{identity}\"");
            }

            stored.ShouldContain("\"snapshotId\":\"abc123\"");
        }

        JobStore.Spec(jobs.Find("j1")!).ShouldBe(spec);
    }

    [Fact]
    public void ARowWrittenWithTheIdentityInItsSpecReadsTheColumns()
    {
        using (var connection = _server.Services.GetRequiredService<Database>().Open())
        {
            connection.Execute(
                "INSERT INTO jobs (id, kind, repository_id, plan_id, agent_id, trigger, status, spec, created_at) VALUES " +
                "('j2', 'check', 'r2', NULL, 'a1', 'manual', 'queued', " +
                "'{\"jobId\":\"old\",\"kind\":\"check\",\"repositoryId\":\"r2\",\"trigger\":\"manual\",\"contentsOnly\":false}', '2026-12-01T00:00:00Z')");
        }

        var spec = JobStore.Spec(_server.Services.GetRequiredService<JobStore>().Find("j2")!)!;

        spec.JobId.ShouldBe("j2");
        spec.Kind.ShouldBe("check");
        spec.RepositoryId.ShouldBe("r2");
        spec.PlanId.ShouldBeNull();
    }

    public void Dispose() => _server.Dispose();
}
