using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using RestikManager.Agent.Schedule;
using RestikManager.Agent.State;
using RestikManager.Contracts.Protocol;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.AgentLogic;

/// <summary>The agent's own schedule, in process: each due time of a plan starts one backup, however plan pushes interleave.</summary>
public sealed class PlanSchedulerTests : IDisposable
{
    private static readonly AgentPlan EverySecond = new("p1", "every second", "* * * * * ?", "UTC",
        new RepositoryAccess("r1", "/srv/repo", new Dictionary<string, string>()), ["/data"], [], [], null, null);
    private readonly TempDir _state = new("rm-sched");

    [Fact]
    public void APlanPushArrivingWhileARunFiresNeverMakesThatRunFireAgain()
    {
        // The connection's thread pushes the same plan set (every reconnect does) while the schedule loop fires. Before
        // the fix, Replace read the old entry outside the lock and swapped in its old, already-fired time afterwards.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        var jobs = new CountingJobs();
        var scheduler = new PlanScheduler(new AgentState(_state.Path, "credential"), jobs, time, NullLogger.Instance);
        scheduler.Replace([EverySecond], save: false);
        const int Seconds = 3000;

        // Two threads of their own (not the pool, which the rest of the suite keeps busy) meet at a barrier each second.
        var now = time.GetUtcNow();
        using var go = new Barrier(3);
        using var done = new Barrier(3);
        void Each(Action act)
        {
            for (var i = 0; i < Seconds; i++)
            {
                go.SignalAndWait();
                act();
                done.SignalAndWait();
            }
        }

        var fire = new Thread(() => Each(() => scheduler.FireDue(now)));
        var push = new Thread(() => Each(() => scheduler.Replace([EverySecond], save: false)));
        fire.Start();
        push.Start();
        for (var i = 0; i < Seconds; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            now = time.GetUtcNow();
            go.SignalAndWait();
            done.SignalAndWait();
            scheduler.FireDue(now);
        }

        fire.Join();
        push.Join();

        jobs.Started.Count.ShouldBe(Seconds, "one backup per due second, none twice");
        jobs.Started.ShouldAllBe(j => j.Kind == JobKinds.Backup && j.PlanId == "p1" && j.Trigger == "schedule");
    }

    [Fact]
    public void AChangedScheduleStartsFromNowAndAnUnchangedOneKeepsItsTime()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, 500, TimeSpan.Zero));
        var jobs = new CountingJobs();
        var scheduler = new PlanScheduler(new AgentState(_state.Path, "credential"), jobs, time, NullLogger.Instance);
        var hourly = EverySecond with { Schedule = "0 0 * * * ?" };
        scheduler.Replace([hourly], save: false);

        time.Advance(TimeSpan.FromMinutes(30));
        scheduler.Replace([hourly], save: false);
        scheduler.FireDue(time.GetUtcNow());
        jobs.Started.ShouldBeEmpty("13:00 is not due at 12:30");
        time.Advance(TimeSpan.FromMinutes(30));
        scheduler.FireDue(time.GetUtcNow());
        jobs.Started.Count.ShouldBe(1, "13:00 fires once");

        scheduler.Replace([hourly with { Schedule = "0 15 * * * ?" }], save: false);
        scheduler.FireDue(time.GetUtcNow());
        jobs.Started.Count.ShouldBe(1, "the changed schedule's first time is 13:15");
    }

    public void Dispose() => _state.Dispose();

    private sealed class CountingJobs : IScheduledJobs
    {
        public System.Collections.Concurrent.ConcurrentQueue<JobSpec> Started { get; } = new();

        public bool IsPlanBusy(string planId, string kind) => false;

        public void Start(JobSpec job, RepositoryAccess repository) => Started.Enqueue(job);
    }
}
