namespace RestikManager.Tests.Infrastructure;

/// <summary>The suite's one polling wait: a condition checked every <c>every</c> until it holds or the time is up.</summary>
internal static class Eventually
{
    private static readonly TimeSpan DefaultEvery = TimeSpan.FromMilliseconds(50);

    /// <summary>Whether <paramref name="condition"/> came to hold within <paramref name="timeout"/>.</summary>
    public static async Task<bool> HoldsAsync(Func<bool> condition, TimeSpan timeout, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(every ?? DefaultEvery);
        }

        return true;
    }

    /// <summary>Waits until <paramref name="condition"/> holds; fails naming <paramref name="what"/> (and <paramref name="detail"/>) if it never does.</summary>
    public static async Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string>? detail = null)
    {
        if (!await HoldsAsync(condition, timeout))
        {
            throw new TimeoutException($"never came true within {timeout.TotalSeconds:F0} s: {what}{(detail is null ? "" : "\n" + detail())}");
        }
    }
}
