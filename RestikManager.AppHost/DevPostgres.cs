using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RestikManager.AppHost;

/// <summary>
/// <c>--replicas N</c>: the database the replicas share, PostgreSQL from the machine's own binaries as an executable
/// resource (no container runtime is assumed): a cluster made once with <c>initdb</c> under the stack's root (trust on
/// loopback only; a kept data dir keeps it), started on a free loopback port, healthy once it answers a query. As
/// root, PostgreSQL (which refuses to run as root) runs as the <c>postgres</c> user through <c>runuser</c>.
/// </summary>
internal static class DevPostgres
{
    private const string User = "restic_manager";

    /// <summary>The newest <c>/usr/lib/postgresql/*/bin</c> with initdb, or null.</summary>
    public static string? FindBin() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Join(v, "bin")).Where(b => File.Exists(Path.Join(b, "initdb")))
                .OrderByDescending(b => b, StringComparer.Ordinal).FirstOrDefault()
            : null;

    /// <summary>Adds the <c>postgres</c> resource; returns it and the connection string every replica is given.</summary>
    public static (IResourceBuilder<ExecutableResource> Resource, string ConnectionString) AddDevPostgres(
        this IDistributedApplicationBuilder builder, DevStackSettings settings)
    {
        var bin = settings.PostgresBin ?? throw new InvalidOperationException("no PostgreSQL binaries");
        var folder = Path.Join(settings.Root, "postgres");
        var data = Path.Join(folder, "data");
        var asRoot = Environment.IsPrivilegedProcess;
        if (!File.Exists(Path.Join(data, "PG_VERSION")))
        {
            Directory.CreateDirectory(folder);
            if (asRoot && !OperatingSystem.IsWindows())
            {
                Run("chown", "postgres:postgres", folder);
                File.SetUnixFileMode(settings.Root, File.GetUnixFileMode(settings.Root) | UnixFileMode.OtherExecute);
            }

            Run(asRoot, Path.Join(bin, "initdb"), "-D", data, "-U", User, "--auth=trust", "-E", "UTF8");
        }

        var port = FreePort();
        string[] server = [Path.Join(bin, "postgres"), "-D", data, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-k", folder, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"];
        var resource = asRoot
            ? builder.AddExecutable("postgres", "runuser", folder, ["-u", "postgres", "--", .. server])
            : builder.AddExecutable("postgres", server[0], folder, server[1..]);
        var connectionString = $"Host=127.0.0.1;Port={port};Database=postgres;Username={User};Pooling=true";
        builder.Services.AddHealthChecks().AddAsyncCheck("postgres-answers", async cancellationToken =>
        {
            try
            {
                await using var connection = new Npgsql.NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                await using var command = new Npgsql.NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or SocketException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        });
        return (resource.WithHealthCheck("postgres-answers"), connectionString);
    }

    /// <summary>The key every replica shares, made once beside the replicas' data dirs.</summary>
    public static string SecretKeyFile(DevStackSettings settings)
    {
        var path = Path.Join(settings.Root, "secret.key");
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(settings.Root);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var file = new FileStream(path, options);
            file.Write(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        }

        return path;
    }

    private static void Run(bool asRoot, string program, params string[] args)
    {
        if (asRoot)
        {
            Run("runuser", ["-u", "postgres", "--", program, .. args]);
        }
        else
        {
            Run(program, args);
        }
    }

    private static void Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} failed ({process.ExitCode}): {error}{output.Result}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
