using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;

namespace RestikManager.Agent.Hooks;

/// <summary>
/// Whether a file or folder of the allowlist is safe to trust: only an administrator can have written it. On Linux: owned
/// by root, not writable by its group or others, and itself (not a symbolic link to something else). On Windows: owned by
/// SYSTEM or Administrators, and no one else may write it.
/// </summary>
internal static partial class FileSafety
{
    /// <summary>Why <paramref name="path"/> is not safe, or null when it is.</summary>
    public static string? Problem(string path, bool directory) =>
        OperatingSystem.IsWindows() ? WindowsProblem(path, directory) : UnixProblem(path, directory);

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int FileTypeMask = 0xF000;
    private const int RegularFile = 0x8000;
    private const int Directory = 0x4000;
    private const int SymbolicLink = 0xA000;

    // struct statx is the same on every Linux architecture: uid at byte 20, mode (16 bits) at byte 28, 256 bytes in all.
    private static string? UnixProblem(string path, bool directory)
    {
        Span<byte> buffer = stackalloc byte[256];
        int result;
        unsafe
        {
            fixed (byte* statx = buffer)
            {
                result = Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, statx);
            }
        }

        if (result != 0)
        {
            return Marshal.GetLastPInvokeError() == 2 ? "it does not exist" : $"it cannot be read (errno {Marshal.GetLastPInvokeError()})";
        }

        var uid = BitConverter.ToUInt32(buffer[20..24]);
        int mode = BitConverter.ToUInt16(buffer[28..30]);
        return (mode & FileTypeMask) == SymbolicLink ? "it is a symbolic link"
            : (mode & FileTypeMask) != (directory ? Directory : RegularFile) ? (directory ? "it is not a folder" : "it is not a regular file")
            : uid != 0 ? $"it is owned by uid {uid}, not root"
            : (mode & 0b000_010_010) != 0 ? $"it is writable by {((mode & 0b010) != 0 ? "everyone" : "its group")} (mode {Convert.ToString(mode & 0xFFF, 8)})"
            : null;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* statx);

    [SupportedOSPlatform("windows")]
    private static string? WindowsProblem(string path, bool directory)
    {
        FileSystemInfo info = directory ? new DirectoryInfo(path) : new FileInfo(path);
        if (!info.Exists)
        {
            return "it does not exist";
        }

        if (info.LinkTarget is not null)
        {
            return "it is a symbolic link";
        }

        FileSystemSecurity security = info is DirectoryInfo d ? d.GetAccessControl() : ((FileInfo)info).GetAccessControl();
        if (security.GetOwner(typeof(SecurityIdentifier)) is not SecurityIdentifier owner || !IsAdministrative(owner))
        {
            return "it is not owned by SYSTEM or Administrators";
        }

        const FileSystemRights writing = FileSystemRights.WriteData | FileSystemRights.AppendData | FileSystemRights.ChangePermissions
            | FileSystemRights.TakeOwnership | FileSystemRights.Delete | FileSystemRights.WriteAttributes | FileSystemRights.WriteExtendedAttributes;
        foreach (FileSystemAccessRule rule in security.GetAccessRules(true, true, typeof(SecurityIdentifier)))
        {
            // An inherit-only rule (CREATOR OWNER's, say) is about what is created inside, not about this file or folder.
            if (rule.AccessControlType == AccessControlType.Allow && (rule.FileSystemRights & writing) != 0
                && !rule.PropagationFlags.HasFlag(PropagationFlags.InheritOnly)
                && rule.IdentityReference is SecurityIdentifier sid && !IsAdministrative(sid))
            {
                return $"{sid.Value} may write it";
            }
        }

        return null;
    }

    [SupportedOSPlatform("windows")]
    private static bool IsAdministrative(SecurityIdentifier sid) =>
        sid.IsWellKnown(WellKnownSidType.LocalSystemSid) || sid.IsWellKnown(WellKnownSidType.BuiltinAdministratorsSid)
        || sid.Value == TrustedInstaller;

    private const string TrustedInstaller = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464";
}
