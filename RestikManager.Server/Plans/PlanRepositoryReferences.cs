using RestikManager.Server.Repositories;

namespace RestikManager.Server.Plans;

/// <summary>A repository that a plan backs up to, or copies its snapshots to, cannot be deleted.</summary>
internal sealed class PlanRepositoryReferences(PlanStore plans) : IRepositoryReferences
{
    public string? InUse(string repositoryId) => plans.OfRepository(repositoryId) is [var plan, ..]
        ? $"Plan '{plan.Name}' {(plan.RepositoryId == repositoryId ? "backs up to" : "copies its snapshots to")} this repository; delete or change that plan first."
        : null;
}
