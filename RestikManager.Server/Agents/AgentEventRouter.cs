using RestikManager.Contracts.Protocol;

namespace RestikManager.Server.Agents;

/// <summary>
/// Hands what happens on agent connections to the features: every feature hears that an agent came online; each
/// message goes to the one feature that owns its type. Two owners of one type fail at start-up, not at run time.
/// </summary>
internal sealed class AgentEventRouter
{
    private readonly IAgentEvents[] _features;
    private readonly Dictionary<Type, IAgentEvents> _owners = [];

    public AgentEventRouter(IEnumerable<IAgentEvents> features)
    {
        _features = [.. features];
        foreach (var feature in _features)
        {
            foreach (var type in feature.Handles)
            {
                if (!_owners.TryAdd(type, feature))
                {
                    throw new InvalidOperationException($"{type.Name} is handled by both {_owners[type].GetType().Name} and {feature.GetType().Name}");
                }
            }
        }
    }

    public void Online(AgentRecord agent, Hello hello, DateTimeOffset connectedAt)
    {
        foreach (var feature in _features)
        {
            feature.Online(agent, hello, connectedAt);
        }
    }

    public Breach? Received(string agentId, AgentMessage message) =>
        _owners.TryGetValue(message.GetType(), out var owner) ? owner.Received(agentId, message) : Breach.Malformed("unexpected message");
}
