using RestikManager.Agent.Jobs;
using RestikManager.Agent.Queries;
using RestikManager.Agent.Schedule;
using RestikManager.Agent.Updates;

namespace RestikManager.Agent.Connection;

/// <summary>What a connection hands the server's messages to: the jobs, the plan schedule, the queries and updates.</summary>
internal sealed record AgentWork(JobHost Jobs, PlanScheduler Plans, QueryRunner Queries, SelfUpdater Updates);
