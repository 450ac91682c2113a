using System.Collections.Concurrent;

namespace RestikManager.Server.Accounts;

/// <summary>
/// Limits failed sign-ins per account name and per client address within a sliding window. Counts are
/// kept for names that do not exist too, so a lock-out says nothing about whether an account exists.
/// </summary>
internal sealed class SignInThrottle(TimeProvider time)
{
    public const int PerAccount = 5;
    public const int PerAddress = 20;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    /// <summary>How long until another attempt is allowed, or null when it is allowed now.</summary>
    public TimeSpan? RetryAfter(string username, string address)
    {
        var now = time.GetUtcNow();
        var account = Wait(AccountKey(username), PerAccount, now);
        var client = Wait(AddressKey(address), PerAddress, now);
        // Lifted comparison is false when either side is null, so take the longer wait explicitly.
        return (account, client) switch
        {
            (null, var c) => c,
            (var a, null) => a,
            (var a, var c) => a > c ? a : c,
        };
    }

    public void Failed(string username, string address)
    {
        var now = time.GetUtcNow();
        foreach (var key in new[] { AccountKey(username), AddressKey(address) })
        {
            var queue = _failures.GetOrAdd(key, _ => new Queue<DateTimeOffset>());
            lock (queue)
            {
                queue.Enqueue(now);
            }
        }
    }

    public void Succeeded(string username) => _failures.TryRemove(AccountKey(username), out _);

    private TimeSpan? Wait(string key, int limit, DateTimeOffset now)
    {
        if (!_failures.TryGetValue(key, out var queue))
        {
            return null;
        }

        lock (queue)
        {
            while (queue.Count > 0 && now - queue.Peek() >= Window)
            {
                queue.Dequeue();
            }

            if (queue.Count == 0)
            {
                // Forget names whose failures have aged out, so sprayed names do not pile up in memory.
                _failures.TryRemove(new KeyValuePair<string, Queue<DateTimeOffset>>(key, queue));
                return null;
            }

            return queue.Count >= limit ? queue.Peek() + Window - now : null;
        }
    }

    private static string AccountKey(string username) => "u:" + username.Trim().ToUpperInvariant();

    private static string AddressKey(string address) => "a:" + address;
}
