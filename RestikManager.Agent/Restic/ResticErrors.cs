using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Restic;

/// <summary>
/// Names a failure from restic's exit code (0.17+: 10/11/12) or, for 0.14–0.16 where those are all 1, from the
/// words restic printed. Unknown failures stay <see cref="JobErrors.Failed"/>.
/// </summary>
internal static class ResticErrors
{
    public static string Classify(int exitCode, string stderr)
    {
        switch (exitCode)
        {
            case 3:
                return JobErrors.PartialBackup;
            case 10:
                return JobErrors.RepositoryMissing;
            case 11:
                return JobErrors.Locked;
            case 12:
                return JobErrors.WrongPassword;
            case 130:
                return JobErrors.Interrupted;
        }

        if (Has(stderr, "wrong password or no key found"))
        {
            return JobErrors.WrongPassword;
        }

        if (Has(stderr, "Is there a repository at the following location?") || Has(stderr, "unable to open config file")
            || Has(stderr, "repository does not exist"))
        {
            return JobErrors.RepositoryMissing;
        }

        if (Has(stderr, "repository is already locked") || Has(stderr, "unable to create lock"))
        {
            return JobErrors.Locked;
        }

        if (Has(stderr, "config file already exists"))
        {
            return JobErrors.RepositoryExists;
        }

        if (Has(stderr, "do not exist") || Has(stderr, "does not exist"))
        {
            return JobErrors.SourceMissing;
        }

        return JobErrors.Failed;
    }

    private static bool Has(string text, string what) => text.Contains(what, StringComparison.OrdinalIgnoreCase);
}
