using RestikManager.Agent.Jobs;
using RestikManager.Agent.Queries;
using RestikManager.Agent.Schedule;

namespace RestikManager.Agent.Connection;

/// <summary>What a connection hands the server's messages to: the jobs, the plan schedule and the queries.</summary>
internal sealed record AgentWork(JobHost Jobs, PlanScheduler Plans, QueryRunner Queries);
