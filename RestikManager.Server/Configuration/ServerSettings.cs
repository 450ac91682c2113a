using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;

namespace RestikManager.Server.Configuration;

/// <summary>
/// The server's configuration, read from the <c>RM_*</c> environment variables (DESIGN.md) and
/// validated as a whole before anything is written.
/// </summary>
internal sealed record ServerSettings(
    ListenAddress Listen,
    string DataDir,
    Uri? BaseUrl,
    string BundledAssetsDir,
    TlsFiles? Tls,
    string? DatabaseConnectionString = null,
    SecretKeySource? SecretKey = null)
{
    public const string DefaultListen = ":8080";
    public const string DefaultDataDir = "/var/lib/restic-manager";
    public const string DefaultBundledAssetsDir = "/opt/restic-manager/dist";

    /// <summary>Reads and validates the settings; a bad value throws <see cref="StartupRefusedException"/> naming the variable.</summary>
    public static ServerSettings Load(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var listenText = Value(config, "RM_LISTEN") ?? DefaultListen;
        var listen = ListenAddress.TryParse(listenText, out var problem)
            ?? throw Refuse("RM_LISTEN", listenText, problem);

        var dataDir = AbsolutePath(config, "RM_DATA_DIR", DefaultDataDir);
        var bundled = AbsolutePath(config, "RM_BUNDLED_ASSETS_DIR", DefaultBundledAssetsDir);
        if (Value(config, "RM_BUNDLED_ASSETS_DIR") is not null && !Directory.Exists(bundled))
        {
            throw Refuse("RM_BUNDLED_ASSETS_DIR", bundled, "no such directory");
        }

        var database = Value(config, "RM_DATABASE_URL") is { } url ? DatabaseUrl.ToConnectionString(url) : null;
        return new ServerSettings(listen, dataDir, ParseBaseUrl(config), bundled, TlsFiles.Load(config), database, SecretKeySource.Load(config));
    }

    internal static string? Value(IConfiguration config, string name) =>
        config[name] is { Length: > 0 } v ? v : null;

    internal static StartupRefusedException Refuse(string variable, string value, string problem) =>
        new($"{variable}='{value}': {problem}");

    private static string AbsolutePath(IConfiguration config, string name, string fallback)
    {
        var value = Value(config, name) ?? fallback;
        if (!Path.IsPathFullyQualified(value))
        {
            throw Refuse(name, value, "must be an absolute path");
        }

        return Path.TrimEndingDirectorySeparator(Path.GetFullPath(value));
    }

    private static Uri? ParseBaseUrl(IConfiguration config)
    {
        var value = Value(config, "RM_BASE_URL");
        if (value is null)
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment)
            || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw Refuse("RM_BASE_URL", value, "must be an absolute http:// or https:// URL without user, query or fragment");
        }

        return new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/'));
    }
}

/// <summary>The PEM certificate and key to serve HTTPS with (<c>RM_TLS_CERT</c>, <c>RM_TLS_KEY</c>).</summary>
internal sealed record TlsFiles(string CertPath, string KeyPath)
{
    public static TlsFiles? Load(IConfiguration config)
    {
        var cert = ServerSettings.Value(config, "RM_TLS_CERT");
        var key = ServerSettings.Value(config, "RM_TLS_KEY");
        if (cert is null && key is null)
        {
            return null;
        }

        if (cert is null || key is null)
        {
            var missing = cert is null ? "RM_TLS_CERT" : "RM_TLS_KEY";
            throw new StartupRefusedException($"{missing}: not set; RM_TLS_CERT and RM_TLS_KEY go together");
        }

        foreach (var (name, path) in new[] { ("RM_TLS_CERT", cert), ("RM_TLS_KEY", key) })
        {
            if (!File.Exists(path))
            {
                throw ServerSettings.Refuse(name, path, "no such file");
            }
        }

        var files = new TlsFiles(cert, key);
        try
        {
            using var certificate = files.LoadCertificate();
        }
        catch (CryptographicException e)
        {
            throw ServerSettings.Refuse("RM_TLS_CERT", cert, $"cannot load the PEM certificate with RM_TLS_KEY: {e.Message}");
        }

        return files;
    }

    public X509Certificate2 LoadCertificate() => X509Certificate2.CreateFromPemFile(CertPath, KeyPath);
}

/// <summary>
/// Where the secret key comes from when it is not <c>secret.key</c> in the data directory: <c>RM_SECRET_KEY_FILE</c> (32
/// bytes, or their base64 on one line: a Kubernetes Secret mounted as a file) or <c>RM_SECRET_KEY</c> (the base64). Every
/// replica on one PostgreSQL database needs the same key, so PostgreSQL requires one of them.
/// </summary>
internal sealed record SecretKeySource(string Variable, string? File, string? Base64)
{
    public static SecretKeySource? Load(IConfiguration config)
    {
        if (ServerSettings.Value(config, "RM_SECRET_KEY_FILE") is { } file)
        {
            if (!Path.IsPathFullyQualified(file) || !System.IO.File.Exists(file))
            {
                throw ServerSettings.Refuse("RM_SECRET_KEY_FILE", file, "must be the absolute path of an existing file");
            }

            return new SecretKeySource("RM_SECRET_KEY_FILE", file, null);
        }

        // The value itself is never repeated in a message.
        return ServerSettings.Value(config, "RM_SECRET_KEY") is { } text ? new SecretKeySource("RM_SECRET_KEY", null, text) : null;
    }
}
