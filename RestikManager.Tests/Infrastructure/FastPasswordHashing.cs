using System.Runtime.CompilerServices;
using RestikManager.Server.Accounts;

namespace RestikManager.Tests.Infrastructure;

/// <summary>
/// In-process servers hash passwords with 1,000 PBKDF2 iterations instead of 600,000: a server start hashes the admin
/// password and nearly every test signs in, which at the real count cost over a minute of the in-process subset.
/// Published servers (the process tests) keep the real count; <c>PasswordHashingTests</c> pins it.
/// </summary>
internal static class FastPasswordHashing
{
    [ModuleInitializer]
    internal static void Lower() => PasswordHasher.Iterations = 1_000;
}
