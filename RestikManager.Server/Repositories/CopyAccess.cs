using RestikManager.Contracts.Protocol;

namespace RestikManager.Server.Repositories;

/// <summary>
/// What <c>restic copy</c> needs to open both repositories, in one environment: the target's as usual, the source's URL
/// and password as <c>RESTIC_FROM_REPOSITORY</c> and <c>RESTIC_FROM_PASSWORD</c> (restic 0.14+). restic has no
/// <c>FROM_</c> form of backend credentials, so the source's go in under their own names; a name both repositories set
/// to different values cannot be given to one restic, and is refused with the name (never the values).
/// </summary>
internal static class CopyAccess
{
    public static (RepositoryAccess? Access, string? Problem) Merge(RepositoryAccess target, RepositoryAccess source)
    {
        var env = target.Environment.ToDictionary(StringComparer.Ordinal);
        foreach (var (name, value) in source.Environment)
        {
            if (name == RepositorySecrets.Password)
            {
                env["RESTIC_FROM_PASSWORD"] = value;
            }
            else if (env.TryGetValue(name, out var theirs) && theirs != value)
            {
                return (null, $"the source and the target both set the backend credential {name}, to different values: "
                    + "restic copy reads one set of backend credentials for both (use a target whose backend needs other ones)");
            }
            else
            {
                env[name] = value;
            }
        }

        env["RESTIC_FROM_REPOSITORY"] = source.Url;
        return (target with { Environment = env }, null);
    }
}
