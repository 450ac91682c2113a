namespace RestikManager.Server.Configuration;

/// <summary>
/// The server cannot start safely. Its message is the one line printed on stderr before the
/// process exits non-zero; it names the variable or file at fault and what to do.
/// </summary>
internal sealed class StartupRefusedException(string message, Exception? inner = null) : Exception(message, inner);
