using System.Reflection;
using System.Text.Json.Serialization;

namespace RestikManager.Contracts.Protocol;

/// <summary>Fixed facts of the agent ⇄ server protocol.</summary>
public static class AgentProtocol
{
    /// <summary>
    /// The protocol version this build speaks; the agent sends it in its hello. 2: <c>runJob</c> carries the repository's
    /// access beside the job instead of inside it.
    /// </summary>
    public const int Version = 2;

    /// <summary>Largest message either side accepts; a larger one closes the connection.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    public const string WebSocketPath = "/agent/ws";
    public const string EnrollPath = "/agent/enroll";

    /// <summary>The restic the server provides for a platform: <c>GET /restic/binary?os=&amp;arch=</c>.</summary>
    public const string ResticBinaryPath = "/restic/binary";

    /// <summary>Response header of the distribution endpoints: the lowercase hex SHA-256 of the bytes served.</summary>
    public const string ChecksumHeader = "X-Checksum-Sha256";

    /// <summary>Prefix of an agent credential (<c>rma_…</c>).</summary>
    public const string CredentialPrefix = "rma_";

    /// <summary>Prefix of an enrollment token (<c>rme_…</c>).</summary>
    public const string EnrollmentTokenPrefix = "rme_";

    /// <summary>The <c>type</c> of every agent-to-server message, read from <see cref="AgentMessage"/>'s attributes.</summary>
    public static readonly IReadOnlySet<string> AgentMessageTypes = TypesOf<AgentMessage>();

    private static HashSet<string> TypesOf<T>() =>
        [.. typeof(T).GetCustomAttributes<JsonDerivedTypeAttribute>(false).Select(a => (string)a.TypeDiscriminator!)];
}
