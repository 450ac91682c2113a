using RestikManager.Agent.Hooks;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Databases;

/// <summary>
/// The command line that dumps a database source to stdout, with the database's own tool: <c>pg_dump</c> (one database) or
/// <c>pg_dumpall</c>, <c>mariadb-dump</c> (or <c>mysqldump</c>) with <c>--single-transaction</c>, or the entry's own command.
/// A password goes into the tool's environment (<c>PGPASSWORD</c>, <c>MYSQL_PWD</c>), read from the entry's password file,
/// never into the command line.
/// </summary>
internal static class DumpCommand
{
    public sealed record Command(IReadOnlyList<string> Argv, Dictionary<string, string> Environment, IReadOnlyList<string> Secrets);

    public static Command For(AllowEntry entry)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var secrets = new List<string>();
        if (entry.PasswordFile is { } file)
        {
            var password = File.ReadAllText(file).TrimEnd('\r', '\n');
            secrets.Add(password);
            environment[entry.Kind == AllowlistKinds.Postgres ? "PGPASSWORD" : "MYSQL_PWD"] = password;
        }

        return entry.Kind switch
        {
            AllowlistKinds.Postgres => new Command(Postgres(entry), environment, secrets),
            AllowlistKinds.Mysql => new Command(Mysql(entry), environment, secrets),
            _ => new Command(entry.Argv!, environment, secrets),
        };
    }

    private static List<string> Postgres(AllowEntry entry)
    {
        List<string> argv = [entry.Database is null ? "pg_dumpall" : "pg_dump", "--no-password"];
        if (entry.Host is { } host)
        {
            argv.Add("--host=" + host);
        }

        if (entry.Port is { } port)
        {
            argv.Add("--port=" + port);
        }

        if (entry.User is { } user)
        {
            argv.Add("--username=" + user);
        }

        if (entry.Database is { } database)
        {
            argv.Add("--dbname=" + database);
        }

        return argv;
    }

    private static List<string> Mysql(AllowEntry entry)
    {
        // Only what every backup user may do: routines and events need privileges a dump user is often not given (an entry
        // of kind "command" runs the tool with any options).
        List<string> argv = [OnPath("mariadb-dump") ? "mariadb-dump" : "mysqldump", "--single-transaction"];
        if (entry.Host is { } host)
        {
            argv.Add(host.StartsWith('/') ? "--socket=" + host : "--host=" + host);
        }

        if (entry.Port is { } port)
        {
            argv.Add("--port=" + port);
        }

        if (entry.User is { } user)
        {
            argv.Add("--user=" + user);
        }

        argv.AddRange(entry.Database is { } database ? ["--databases", database] : ["--all-databases"]);
        return argv;
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Join(folder, tool)));
}
