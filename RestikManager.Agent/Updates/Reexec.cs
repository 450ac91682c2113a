using System.Runtime.InteropServices;

namespace RestikManager.Agent.Updates;

/// <summary>
/// How an updated agent starts. Linux: the process re-executes itself (<c>execv</c> of the new binary with the same
/// arguments): the same PID, so systemd (and whoever else watches it) sees one agent that never stopped. Windows has no
/// exec: the agent exits with <see cref="RestartExitCode"/> and the service's recovery action (install.ps1 sets
/// "restart") starts the new binary.
/// </summary>
internal static partial class Reexec
{
    /// <summary>The status an agent exits with on Windows after installing an update: "start me again".</summary>
    public const int RestartExitCode = 75;

    /// <summary>Set by <c>run</c> once an update is in place; <see cref="Program"/> acts on it after everything is disposed.</summary>
    public static string? Requested { get; set; }

    /// <summary>Replaces this process with <paramref name="path"/> <paramref name="arguments"/>; returns only if that failed.</summary>
    public static int Run(string path, string[] arguments)
    {
        if (OperatingSystem.IsWindows())
        {
            return RestartExitCode;
        }

        Console.Out.Flush();
        Console.Error.Flush();
        string?[] argv = [path, .. arguments, null];
        execv(path, argv);
        Console.Error.WriteLine($"restic-manager-agent: cannot start the updated agent {path}: errno {Marshal.GetLastPInvokeError()}; exiting so that the service manager starts it");
        return RestartExitCode;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int execv(string path, string?[] argv);
}
