namespace RestikManager.Server.Updates;

/// <summary>How agents follow the agent this server serves.</summary>
internal static class UpdateModes
{
    /// <summary>Outdated agents are updated by a staged rollout: canaries first, the rest once they came back healthy.</summary>
    public const string Automatic = "automatic";

    /// <summary>Only <c>POST /api/v1/hosts/{id}/update</c> (or the host page's button) updates a host.</summary>
    public const string Manual = "manual";

    /// <summary>No host is updated, not even by hand.</summary>
    public const string Off = "off";

    public static readonly IReadOnlyList<string> All = [Automatic, Manual, Off];
}

/// <summary>
/// The fleet's update policy. <see cref="PausedReason"/> is set when an automatic rollout stopped itself because an
/// updated agent did not come back; it stays paused until an admin resumes it.
/// </summary>
internal sealed record UpdatePolicy(string Mode, int CanaryPercent, string? CanaryLabel, string? PausedReason, string UpdatedAt);

/// <summary>A change to the policy; what it leaves out stays. <see cref="Resume"/> clears a pause.</summary>
internal sealed record UpdatePolicyRequest(string? Mode = null, int? CanaryPercent = null, string? CanaryLabel = null, bool? Resume = null);

/// <summary>States of the update last offered to a host.</summary>
internal static class UpdateStates
{
    public const string Sent = "sent";
    public const string Done = "done";
    public const string Failed = "failed";
}

/// <summary>
/// Timing of the rollout (configuration section <c>Updates</c>, e.g. <c>Updates__ComeBackWithin=00:20:00</c>).
/// </summary>
internal sealed class UpdateOptions
{
    public const string Section = "Updates";

    /// <summary>Time between rollout passes when nothing nudges one sooner (a host connecting, a policy change).</summary>
    public TimeSpan EvaluateEvery { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long an updated host may take to reconnect on the new version before its update counts as failed.</summary>
    public TimeSpan ComeBackWithin { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>At most this many hosts are updating at once (each downloads the agent from this server).</summary>
    public int MaxInFlight { get; set; } = 20;

    public string? Problem() =>
        EvaluateEvery < TimeSpan.FromMilliseconds(100) ? "Updates:EvaluateEvery must be at least 100 ms"
        : ComeBackWithin < TimeSpan.FromSeconds(10) ? "Updates:ComeBackWithin must be at least 10 s"
        : MaxInFlight is < 1 or > 10_000 ? "Updates:MaxInFlight must be between 1 and 10000"
        : null;
}
