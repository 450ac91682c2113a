using System.Text.Json;
using System.Text.Json.Serialization;
using RestikManager.Contracts.Files;

namespace RestikManager.Agent.Config;

/// <summary>What enrollment leaves on the host: where the server is and this agent's credential.</summary>
/// <see cref="HooksDir"/> (optional, written by hand) moves the host's allowlist from its default folder.
internal sealed record AgentConfig(string Server, string AgentId, string Hostname, string Credential, string? HooksDir = null);

/// <summary>
/// The agent's config file (Linux <c>/etc/restic-manager/agent.json</c>, Windows
/// <c>%ProgramData%\restic-manager\agent.json</c>): owner-only, replaced atomically.
/// </summary>
internal static class AgentConfigFile
{
    public static string DefaultPath => OperatingSystem.IsWindows()
        ? Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "restic-manager", "agent.json")
        : "/etc/restic-manager/agent.json";

    public static AgentConfig Load(string path)
    {
        try
        {
            var config = JsonSerializer.Deserialize(File.ReadAllBytes(path), AgentConfigJsonContext.Default.AgentConfig);
            if (config is null || string.IsNullOrEmpty(config.Server) || string.IsNullOrEmpty(config.Credential) || string.IsNullOrEmpty(config.AgentId) || string.IsNullOrEmpty(config.Hostname))
            {
                throw new InvalidDataException($"{path} is incomplete; enroll this host again");
            }

            return config;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON ({e.Message}); enroll this host again", e);
        }
    }

    public static void Save(string path, AgentConfig config) =>
        OwnerOnlyFile.Write(path, stream => JsonSerializer.Serialize(stream, config, AgentConfigJsonContext.Default.AgentConfig));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(AgentConfig))]
internal sealed partial class AgentConfigJsonContext : JsonSerializerContext;
