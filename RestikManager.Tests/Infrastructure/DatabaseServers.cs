using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RestikManager.Tests.Infrastructure;

/// <summary>
/// Throwaway database servers from the machine's own packages, for the database-source tests: a PostgreSQL cluster
/// (initdb and pg_ctl, as the postgres user, on a socket folder and a loopback port) and a MariaDB server (on a socket
/// only), each in its own folder, removed on dispose. test.sh installs postgresql and mariadb-server.
/// </summary>
internal static class DatabaseServers
{
    /// <summary>Runs a command to its end; its output, or an exception naming the command and what it printed.</summary>
    public static string Run(string file, params string[] args) => RunAs(null, file, args);

    /// <summary>As <see cref="Run"/>, as <paramref name="user"/> (through setpriv) when given.</summary>
    public static string RunAs(string? user, string file, params string[] args)
    {
        var info = new ProcessStartInfo(user is null ? file : "setpriv")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var arg in user is null ? args : ["--reuid=" + user, "--regid=" + user, "--init-groups", file, .. args])
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not end");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {stdout.Result}{stderr.Result}");
        }

        return stdout.Result;
    }

    /// <summary>
    /// A folder the database's user may write and everyone may enter (the test's own temp folders are root's), marked
    /// with this test process's id so that a later run can clear it away if this one dies without stopping its server.
    /// </summary>
    public static string Folder(string prefix, string owner)
    {
        var root = Path.Join(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Join(root, OwnerFile), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        Run("chown", owner, root);
        return root;
    }

    private const string OwnerFile = "owner.pid";

    /// <summary>
    /// Stops (<paramref name="stop"/>) and removes the <paramref name="prefix"/> folders of test processes that are gone:
    /// a test host killed at its end (the runner may not wait for exit handlers) must not leave database servers running.
    /// </summary>
    public static void SweepAbandoned(string prefix, Action<string> stop)
    {
        foreach (var root in Directory.GetDirectories(Path.GetTempPath(), prefix + "-*"))
        {
            var owner = Path.Join(root, OwnerFile);
            var abandoned = File.Exists(owner)
                ? !int.TryParse(File.ReadAllText(owner), out var pid) || !Directory.Exists($"/proc/{pid}")
                : Directory.GetLastWriteTimeUtc(root) < DateTime.UtcNow.AddMinutes(-30);
            if (!abandoned)
            {
                continue;
            }

            try
            {
                stop(root);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
            {
                // Already stopped, or never started.
            }

            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Taken by another sweep at the same moment.
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A PostgreSQL cluster: superuser <c>postgres</c> by trust on its socket, <see cref="User"/> by password on loopback.</summary>
internal sealed class PostgresCluster : IDisposable
{
    public const string User = "backup";

    private PostgresCluster(string root, string bin, int port, string password) => (Root, Bin, Port, Password) = (root, bin, port, password);

    public string Root { get; }

    public string Bin { get; }

    public int Port { get; }

    public string Password { get; }

    public string SocketDir => Path.Join(Root, "socket");

    public static string? FindBin() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Join(v, "bin")).Where(b => File.Exists(Path.Join(b, "initdb")))
                .OrderByDescending(b => b, StringComparer.Ordinal).FirstOrDefault()
            : null;

    public static PostgresCluster Start()
    {
        var bin = FindBin() ?? throw new InvalidOperationException("PostgreSQL's server is not installed (apt-get install postgresql; test.sh does)");
        DatabaseServers.SweepAbandoned("rm-pg", root => DatabaseServers.RunAs("postgres", Path.Join(bin, "pg_ctl"), "-D", Path.Join(root, "data"), "-m", "immediate", "-w", "stop"));
        var root = DatabaseServers.Folder("rm-pg", "postgres");
        var cluster = new PostgresCluster(root, bin, DatabaseServers.FreePort(), "pg-" + Guid.NewGuid().ToString("N")[..12]);
        DatabaseServers.RunAs("postgres", "mkdir", cluster.SocketDir);
        DatabaseServers.RunAs("postgres", Path.Join(bin, "initdb"), "-D", Path.Join(root, "data"), "-U", "postgres",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync");
        DatabaseServers.RunAs("postgres", Path.Join(bin, "pg_ctl"), "-D", Path.Join(root, "data"), "-l", Path.Join(root, "log"), "-w", "-t", "60",
            "-o", $"-k {cluster.SocketDir} -c listen_addresses=127.0.0.1 -p {cluster.Port} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400", "start");
        cluster.Sql("postgres", $"CREATE ROLE {User} LOGIN SUPERUSER PASSWORD '{cluster.Password}'");
        return cluster;
    }

    private static readonly Lazy<PostgresCluster> SharedCluster = new(() =>
    {
        var cluster = Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Dispose();
        return cluster;
    });

    /// <summary>One cluster for the whole test run (servers on PostgreSQL each get a database of their own), stopped at exit.</summary>
    public static PostgresCluster Shared => SharedCluster.Value;

    /// <summary>A new empty database; its Npgsql connection string (over loopback, with <see cref="User"/>'s password).</summary>
    public string NewDatabase()
    {
        var name = "rm_" + Guid.NewGuid().ToString("N")[..16];
        Sql("postgres", $"CREATE DATABASE {name} OWNER {User}");
        return ConnectionString(name);
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port.ToString(System.Globalization.CultureInfo.InvariantCulture)};Username={User};Password={Password};Database={database}";

    /// <summary>A plain-SQL dump of a database's rows (pg_dump), for scans of what is stored.</summary>
    public string Dump(string connectionString) =>
        DatabaseServers.Run(Path.Join(Bin, "pg_dump"), "--data-only", "-h", SocketDir, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-U", "postgres", new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database!);

    /// <summary>Drops a database made by <see cref="NewDatabase"/>, ending its sessions.</summary>
    public void DropDatabase(string connectionString)
    {
        var name = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database;
        Sql("postgres", $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    }

    /// <summary>Runs SQL as the superuser over the socket; what psql printed (unaligned, tuples only).</summary>
    public string Sql(string database, string sql) =>
        DatabaseServers.Run("psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", SocketDir, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-U", "postgres", "-d", database, "-c", sql).Trim();

    public void Dispose()
    {
        try
        {
            DatabaseServers.RunAs("postgres", Path.Join(Bin, "pg_ctl"), "-D", Path.Join(Root, "data"), "-m", "immediate", "-w", "stop");
        }
        finally
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}

/// <summary>A MariaDB server on a socket only; <c>root</c> without a password on it.</summary>
internal sealed class MariaDbServer : IDisposable
{
    private readonly ChildProcess _server;

    private MariaDbServer(string root, ChildProcess server) => (Root, _server) = (root, server);

    public string Root { get; }

    public string Socket => Path.Join(Root, "mysqld.sock");

    public static MariaDbServer Start()
    {
        if (!File.Exists("/usr/sbin/mariadbd"))
        {
            throw new InvalidOperationException("MariaDB's server is not installed (apt-get install mariadb-server; test.sh does)");
        }

        DatabaseServers.SweepAbandoned("rm-maria", root =>
        {
            // Only the server of that folder: a pid file can outlive its process, and pids are reused.
            if (File.Exists(Path.Join(root, "mysqld.pid")) && int.TryParse(File.ReadAllText(Path.Join(root, "mysqld.pid")).Trim(), out var pid)
                && File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains(root, StringComparison.Ordinal))
            {
                DatabaseServers.Run("kill", "-9", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        });
        var root = DatabaseServers.Folder("rm-maria", "mysql");
        DatabaseServers.Run("mariadb-install-db", "--no-defaults", "--datadir=" + Path.Join(root, "data"), "--user=mysql",
            "--auth-root-authentication-method=normal", "--skip-test-db");
        var server = ChildProcess.Start("/usr/sbin/mariadbd", ["--no-defaults", "--datadir=" + Path.Join(root, "data"), "--socket=" + Path.Join(root, "mysqld.sock"),
            "--skip-networking", "--user=mysql", "--pid-file=" + Path.Join(root, "mysqld.pid"), "--innodb-flush-log-at-trx-commit=0"]);
        var maria = new MariaDbServer(root, server);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                maria.Sql("SELECT 1");
                return maria;
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }
        }
    }

    public string Sql(string sql) => DatabaseServers.Run("mariadb", "--no-defaults", "--socket=" + Socket, "-u", "root", "-N", "-B", "-e", sql).Trim();

    public void Dispose()
    {
        try
        {
            _server.Dispose();
        }
        finally
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
