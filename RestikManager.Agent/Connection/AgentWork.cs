using RestikManager.Agent.Jobs;
using RestikManager.Agent.Schedule;

namespace RestikManager.Agent.Connection;

/// <summary>What a connection hands the server's messages to: the jobs and the plan schedule.</summary>
internal sealed record AgentWork(JobHost Jobs, PlanScheduler Plans);
