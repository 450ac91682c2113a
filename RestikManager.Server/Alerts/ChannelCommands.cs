using System.Text.Json;
using RestikManager.Server.Alerts.Sending;
using RestikManager.Server.Api;
using RestikManager.Server.Audit;

namespace RestikManager.Server.Alerts;

/// <summary>
/// Create or change a notification channel. <see cref="Url"/>, <see cref="Secret"/>, <see cref="Token"/> and
/// <see cref="Password"/> are write-only (kept in secrets.enc): absent means unchanged, "" removes an optional one.
/// <see cref="To"/> is a list of addresses or one address. Only the fields of the channel's kind are accepted.
/// </summary>
internal sealed record ChannelRequest(
    string? Name, string? Kind, string? Url = null, string? Secret = null, string? Topic = null, string? Token = null,
    string? SmtpHost = null, int? SmtpPort = null, string? Security = null, string? Username = null, string? Password = null,
    string? From = null, JsonElement? To = null);

/// <summary>Channels for the API and the page alike: checked (a refusal changes nothing), saved, audited, tested.</summary>
internal sealed class ChannelCommands(
    ChannelStore store, RuleStore rules, IncidentStore incidents, ChannelSender sender, AlertSignal evaluate, AlertLinks links, AuditLog audit, TimeProvider time)
{
    public (Channel? Saved, Refusal? Refusal) Create(ChannelRequest request, string actor) => Save(null, request, actor);

    public (Channel? Saved, Refusal? Refusal) Update(Channel existing, ChannelRequest request, string actor) => Save(existing, request, actor);

    /// <summary>Deletes the channel, refused while a rule sends to it.</summary>
    public Refusal? Delete(Channel existing, string actor)
    {
        if (rules.Using(existing.Id) is [var rule, ..])
        {
            return new Refusal(StatusCodes.Status409Conflict, "channel_in_use", $"Rule '{rule.Name}' sends to this channel; change or delete that rule first.");
        }

        store.Delete(existing.Id);
        audit.Append(actor, "channel.delete", $"channel:{existing.Name}", detail: existing.Id);
        return null;
    }

    /// <summary>Sends a test message now (one attempt) and records it as the channel's newest delivery; the error, if any.</summary>
    public async Task<string?> TestAsync(Channel channel, string actor, CancellationToken cancellationToken)
    {
        var message = new AlertMessage("test", AlertStates.Test, null, null, null, null,
            $"A test message from restic-manager to channel '{channel.Name}', sent by {actor}.", AlertMessage.Stamp(time.GetUtcNow()), links.For("/notifications"));
        var payload = JsonSerializer.Serialize(message, AlertJson.Default.AlertMessage);
        string? error = null;
        try
        {
            await sender.SendAsync(channel, AlertStates.Test, payload, ChannelSender.TestClient, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            error = e is DeliveryFailedException ? e.Message : DeliveryProblems.Unexpected(channel.Kind, e);
        }

        incidents.RecordTest(channel.Id, payload, error);
        // A delivered test ends a channel's run of failures: the evaluator looks now (and resolves channel_failing).
        evaluate.Nudge();
        audit.Append(actor, "channel.test", $"channel:{channel.Name}", error is null ? "ok" : "failed", error);
        return error;
    }

    private (Channel?, Refusal?) Save(Channel? existing, ChannelRequest request, string actor)
    {
        var (settings, secrets, refusal) = new ChannelCheck(store).Check(request, existing);
        if (refusal is not null)
        {
            return (null, refusal);
        }

        var name = request.Name?.Trim() ?? existing!.Name;
        var saved = store.Save(existing?.Id, name, existing?.Kind ?? request.Kind!, settings!, secrets!);
        audit.Append(actor, existing is null ? "channel.create" : "channel.update", $"channel:{saved.Name}",
            detail: string.Join(",", [saved.Kind, .. secrets!.Keys.Order(StringComparer.Ordinal)]));
        return (saved, null);
    }
}
