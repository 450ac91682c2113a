using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;
using RestikManager.Server.Events;
using RestikManager.Server.Jobs;
using RestikManager.Server.Plans;
using RestikManager.Server.Protection;
using RestikManager.Server.Web.Components;

namespace RestikManager.Server.Web.Live;

/// <summary>
/// One Server-Sent Events stream per page, for what that page shows. Every stream starts with the current state of
/// what it covers (so a reconnect catches up) and then sends the same fragments again whenever they change; the
/// event names are the ids of the elements the page swaps (<c>sse-swap</c>).
/// </summary>
internal static class LiveStreams
{
    /// <summary>A comment-like event now and then keeps proxies from closing a quiet stream.</summary>
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(20);

    private const int MaxIds = 200;

    public static IEndpointRouteBuilder MapLiveStreams(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/live").ExcludeFromDescription();
        group.MapGet("/hosts", (HttpContext context, string? ids, bool? fresh, LiveFeed feed, Fragments fragments, ProtectionReport report, AgentStore agents,
            PlanStore plans) => TypedResults.ServerSentEvents(Hosts(context, Ids(ids), fresh == true, feed, fragments, report, agents, plans, Until(context))))
            .RequireAuthorization(Roles.CanView);
        group.MapGet("/jobs", (HttpContext context, string? ids, bool? fresh, string? plan, string? host, string? kind, string? status, LiveFeed feed,
            Fragments fragments, JobViews views, JobNames names) => TypedResults.ServerSentEvents(Jobs(context, Ids(ids),
                fresh == true ? new JobFilter(plan, host, null, status, kind) : null, feed, fragments, views, names, Until(context))))
            .RequireAuthorization(Roles.CanView);
        group.MapGet("/jobs/{id}", (HttpContext context, string id, ClaimsPrincipal user, LiveFeed feed, Fragments fragments, JobViews views) =>
            TypedResults.ServerSentEvents(Job(context, id, user.MayOperate(), feed, fragments, views, Until(context)))).RequireAuthorization(Roles.CanView);
        group.MapGet("/enrollment/{tokenId:long}", (HttpContext context, long tokenId, LiveFeed feed, Fragments fragments, EnrollmentTokens tokens, AgentStore agents,
            AgentConnections connections) =>
            TypedResults.ServerSentEvents(Enrollment(context, tokenId, feed, fragments, tokens, agents, connections, Until(context)))).RequireAuthorization(Roles.CanAdminister);
        return app;
    }

    /// <summary>
    /// Until the browser goes or the server stops: a graceful stop ends every stream at once (the browser reconnects
    /// to the next server and catches up) instead of holding the shutdown for its timeout.
    /// </summary>
    private static CancellationToken Until(HttpContext context)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(
            context.RequestAborted, context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        context.Response.RegisterForDispose(source);
        return source.Token;
    }

    private static HashSet<string> Ids(string? ids) =>
        [.. (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(MaxIds)];

    /// <summary>The page's host rows as they change; with <paramref name="fresh"/> (the unfiltered first page) also hosts that join.</summary>
    private static async IAsyncEnumerable<SseItem<string>> Hosts(
        HttpContext context, HashSet<string> ids, bool fresh, LiveFeed feed, Fragments fragments, ProtectionReport report, AgentStore agents, PlanStore plans,
        [EnumeratorCancellation] CancellationToken cancel)
    {
        using var subscription = feed.Subscribe();
        var changed = ids;
        while (true)
        {
            if (changed.Count > 0)
            {
                var rows = report.Hosts([.. changed.Select(agents.Find).OfType<AgentRecord>()], plans.List());
                foreach (var row in rows)
                {
                    yield return new SseItem<string>(await fragments.RenderAsync(context, "_HostRow", row), $"host-{row.Host.Id}");
                }
            }

            // A host's row changes when it comes or goes, and when one of its jobs ends (its verdict).
            var batch = await NextAsync(subscription, cancel);
            if (batch is null)
            {
                yield break;
            }

            foreach (var joined in fresh ? batch.OfType<HostChanged>().Select(c => c.AgentId).Where(id => !ids.Contains(id)).Distinct().ToList() : [])
            {
                if (agents.Find(joined) is { RevokedAt: null } agent && report.Hosts([agent], plans.List()) is [var row])
                {
                    ids.Add(joined);
                    yield return new SseItem<string>(await fragments.RenderAsync(context, "_HostRow", row), "host-new");
                }
            }

            changed = [.. batch.OfType<HostChanged>().Select(c => c.AgentId)
                .Concat(batch.OfType<JobChanged>().Where(c => !c.ProgressOnly).Select(c => c.AgentId))
                .Where(ids.Contains)];
            if (batch.Count == 0)
            {
                yield return Ping;
            }
        }
    }

    /// <summary>The page's job rows as they change; with <paramref name="fresh"/> (a first page) also new jobs it matches.</summary>
    private static async IAsyncEnumerable<SseItem<string>> Jobs(
        HttpContext context, HashSet<string> ids, JobFilter? fresh, LiveFeed feed, Fragments fragments, JobViews views, JobNames names,
        [EnumeratorCancellation] CancellationToken cancel)
    {
        using var subscription = feed.Subscribe();
        var changed = ids;
        while (true)
        {
            foreach (var job in changed.Select(views.Find).OfType<JobView>())
            {
                yield return new SseItem<string>(await fragments.RenderAsync(context, "_JobRow", names.Row(job)), $"job-{job.Id}");
            }

            var batch = await NextAsync(subscription, cancel);
            if (batch is null)
            {
                yield break;
            }

            foreach (var id in fresh is null ? [] : batch.OfType<JobChanged>().Where(c => !c.ProgressOnly && !ids.Contains(c.JobId)).Select(c => c.JobId).Distinct().ToList())
            {
                if (views.Find(id) is { } job && Matches(fresh!, job))
                {
                    ids.Add(id);
                    yield return new SseItem<string>(await fragments.RenderAsync(context, "_JobRow", names.Row(job)), "job-new");
                }
            }

            changed = [.. batch.OfType<JobChanged>().Select(c => c.JobId).Where(ids.Contains)];
            if (batch.Count == 0)
            {
                yield return Ping;
            }
        }
    }

    private static async IAsyncEnumerable<SseItem<string>> Job(
        HttpContext context, string id, bool canOperate, LiveFeed feed, Fragments fragments, JobViews views, [EnumeratorCancellation] CancellationToken cancel)
    {
        using var subscription = feed.Subscribe();
        var changed = true;
        while (true)
        {
            if (changed && views.Find(id) is { } job)
            {
                yield return new SseItem<string>(await fragments.RenderAsync(context, "_JobPanel", new JobPanelModel(job, canOperate)), "job-state");
            }

            var batch = await NextAsync(subscription, cancel);
            if (batch is null)
            {
                yield break;
            }

            changed = batch.OfType<JobChanged>().Any(c => c.JobId == id);
            if (batch.Count == 0)
            {
                yield return Ping;
            }
        }
    }

    private static async IAsyncEnumerable<SseItem<string>> Enrollment(
        HttpContext context, long tokenId, LiveFeed feed, Fragments fragments, EnrollmentTokens tokens, AgentStore agents, AgentConnections connections,
        [EnumeratorCancellation] CancellationToken cancel)
    {
        using var subscription = feed.Subscribe();
        while (true)
        {
            // The host that redeemed the token, once it is connected.
            if (tokens.List().FirstOrDefault(t => t.Id == tokenId)?.AgentId is { } agentId && agents.Find(agentId) is { } agent
                && connections.IsOnline(agentId))
            {
                yield return new SseItem<string>(await fragments.RenderAsync(context, "_EnrolledHost", agent), "enrolled");
                yield break;
            }

            var batch = await NextAsync(subscription, cancel);
            if (batch is null)
            {
                yield break;
            }

            if (batch.Count == 0)
            {
                yield return Ping;
            }
        }
    }

    private static bool Matches(JobFilter filter, JobView job) =>
        (filter.PlanId is null || filter.PlanId == job.PlanId) && (filter.AgentId is null || filter.AgentId == job.AgentId)
        && (filter.Kind is null || filter.Kind == job.Kind) && (filter.Status is null || filter.Status == job.Status);

    private static SseItem<string> Ping => new("", "ping");

    /// <summary>
    /// The changes that came since the last call, waiting for at least one; an empty batch when none came within
    /// <see cref="KeepAlive"/>; null when the client went away.
    /// </summary>
    private static async Task<List<IDomainEvent>?> NextAsync(LiveFeed.Subscription subscription, CancellationToken cancel)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        wait.CancelAfter(KeepAlive);
        try
        {
            if (!await subscription.Reader.WaitToReadAsync(wait.Token))
            {
                return null;
            }
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return [];
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        var batch = new List<IDomainEvent>();
        while (subscription.Reader.TryRead(out var change))
        {
            batch.Add(change);
        }

        return batch;
    }
}
