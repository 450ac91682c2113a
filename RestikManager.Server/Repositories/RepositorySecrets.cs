namespace RestikManager.Server.Repositories;

/// <summary>
/// Which secrets a repository may carry and what they are called in secrets.enc. The password is
/// <c>RESTIC_PASSWORD</c>; backend credentials are environment variables of the backends restic supports.
/// Nothing that would change what restic runs or where (PATH, RESTIC_REPOSITORY, …) is accepted.
/// </summary>
internal static class RepositorySecrets
{
    public const string Password = "RESTIC_PASSWORD";

    /// <summary>The full URL, when it carries a password and so cannot be stored in the database.</summary>
    public const string Url = "url";

    private static readonly string[] Prefixes = ["AWS_", "B2_", "AZURE_", "GOOGLE_", "RCLONE_", "OS_", "ST_", "RESTIC_REST_"];

    public static string Key(string repositoryId, string name) => $"repository/{repositoryId}/{name}";

    public static string KeyPrefix(string repositoryId) => $"repository/{repositoryId}/";

    /// <summary>Why <paramref name="name"/> is not an accepted backend variable, or null.</summary>
    public static string? Problem(string name)
    {
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            return $"'{Short(name)}' is not an environment variable name (A–Z, 0–9, _)";
        }

        return Prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))
            ? null
            : $"'{name}' is not a backend credential restic reads; accepted: {string.Join("*, ", Prefixes)}* (the password goes in 'password')";
    }

    private static string Short(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
