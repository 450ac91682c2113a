namespace RestikManager.Server.Alerts;

/// <summary>
/// A nudge: "something alerts watch has changed" (a job ended, a host connected). Many nudges before the evaluator
/// wakes are one; the evaluator reads the state itself, so a nudge carries nothing and losing one only delays.
/// </summary>
internal sealed class AlertSignal : IDisposable
{
    private readonly SemaphoreSlim _pending = new(0, 1);

    public void Nudge()
    {
        try
        {
            _pending.Release();
        }
        catch (SemaphoreFullException)
        {
            // One is already pending.
        }
    }

    /// <summary>Waits for a nudge or <paramref name="timeout"/>, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _pending.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _pending.Dispose();
}
