using RestikManager.Server.Agents;
using RestikManager.Server.Api;
using RestikManager.Server.Audit;
using RestikManager.Server.Repositories;

namespace RestikManager.Server.Plans;

/// <summary>
/// Creating, changing and deleting plans, for the API and the pages alike: validated by <see cref="PlanValidation"/>,
/// saved, audited, and pushed to the hosts. A refusal changes nothing.
/// </summary>
internal sealed class PlanCommands(PlanStore plans, RepositoryStore repositories, AgentStore agents, PlanDistributor distributor, AuditLog audit)
{
    public (Plan? Plan, Refusal? Problem) Create(PlanRequest request, string actor) =>
        Save(request, Guid.NewGuid().ToString("N"), actor, "plan.create");

    /// <summary>Changes the plan <paramref name="id"/> (which must exist).</summary>
    public (Plan? Plan, Refusal? Problem) Update(string id, PlanRequest request, string actor) => Save(request, id, actor, "plan.update");

    /// <summary>Deletes the plan; false when there is none with that id.</summary>
    public bool Delete(string id, string actor)
    {
        if (plans.Find(id) is not { } plan)
        {
            return false;
        }

        plans.Delete(id);
        audit.Append(actor, "plan.delete", $"plan:{plan.Name}", detail: id);
        distributor.PushAll();
        return true;
    }

    private (Plan?, Refusal?) Save(PlanRequest request, string id, string actor, string action)
    {
        var (plan, problem) = PlanValidation.Validate(request, id, plans, repositories, agents);
        if (problem is not null)
        {
            return (null, problem);
        }

        var saved = plans.Save(plan!);
        audit.Append(actor, action, $"plan:{saved.Name}", detail: saved.Id);
        distributor.PushAll();
        return (saved, null);
    }
}
