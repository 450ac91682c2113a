using System.Text.RegularExpressions;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Server.Repositories;

/// <summary>
/// restic repository URLs: an absolute local path, or <c>sftp:</c>, <c>rest:</c>, <c>s3:</c>, <c>b2:</c>,
/// <c>azure:</c>, <c>gs:</c>, <c>rclone:</c>. A password inside a URL (<c>rest:https://user:pass@host/</c>) is a
/// secret: the URL is then kept in secrets.enc and shown with the password masked.
/// </summary>
internal static partial class RepositoryUrl
{
    private static readonly System.Buffers.SearchValues<char> ShellCharacters = System.Buffers.SearchValues.Create(";|&$`<>");

    private static readonly string[] Schemes = ["sftp:", "rest:", "s3:", "b2:", "azure:", "gs:", "rclone:", "swift:"];

    /// <summary>Why <paramref name="url"/> is not usable, or null.</summary>
    public static string? Problem(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "give the repository's restic URL, e.g. /srv/restic/repo, sftp:user@host:/srv/repo or s3:s3.amazonaws.com/bucket/path";
        }

        if (url.Length > 1024 || url.Any(char.IsControl))
        {
            return "the URL is too long or holds control characters";
        }

        // No backend spells a location with these; they only ever mean a shell (the URL reaches restic through its
        // environment, never a shell, but a stored "; rm -rf /" is a trap for whoever copies it into one).
        if (url.AsSpan().IndexOfAny(ShellCharacters) is >= 0 and var at)
        {
            return $"'{url[at]}' is not part of any restic repository URL; percent-encode it inside a password (e.g. %24 for $, %3B for ;)";
        }

        if (WireValues.IsAbsolutePath(url))
        {
            return null;
        }

        if (WireValues.Canonical(url) is not null)
        {
            return Mask(WireValues.PathProblem(url));
        }

        var scheme = Schemes.FirstOrDefault(s => url.StartsWith(s, StringComparison.Ordinal));
        if (scheme is null)
        {
            return $"'{Mask(url)}' is neither an absolute local path nor a restic backend URL ({string.Join(", ", Schemes)})";
        }

        if (url.Length == scheme.Length)
        {
            return $"'{url}' names a backend but no location";
        }

        if (scheme == "rest:" && !Uri.TryCreate(url[scheme.Length..], UriKind.Absolute, out _))
        {
            return "a rest: URL is rest:http(s)://host[:port]/path/";
        }

        return null;
    }

    /// <summary>Whether the URL carries a password (<c>scheme://user:password@host</c>).</summary>
    public static bool HasPassword(string url) => UserInfoPassword().IsMatch(url);

    /// <summary>The URL with any password replaced by <c>***</c>: safe to store, log and show.</summary>
    public static string Mask(string url) => UserInfoPassword().Replace(url, "${pre}***@");

    [GeneratedRegex(@"(?<pre>://[^/@:]*:)[^/@]*@")]
    private static partial Regex UserInfoPassword();
}
