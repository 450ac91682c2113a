using Npgsql;

namespace RestikManager.Server.Configuration;

/// <summary>
/// <c>RM_DATABASE_URL</c>: a <c>postgres://user:password@host:port/database?sslmode=require</c> URL (the form managed
/// services hand out) or an Npgsql connection string (<c>Host=…;Database=…</c>), turned into the latter. Npgsql reads
/// only connection strings; the URL's parts map one to one. A refusal never repeats the value: it may hold a password.
/// </summary>
internal static class DatabaseUrl
{
    public static string ToConnectionString(string value)
    {
        try
        {
            var builder = value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
                ? FromUrl(value)
                : new NpgsqlConnectionStringBuilder(value);
            if (string.IsNullOrEmpty(builder.Host) || string.IsNullOrEmpty(builder.Database))
            {
                throw Refuse("names no host or no database");
            }

            return builder.ConnectionString;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException or UriFormatException)
        {
            throw Refuse($"is neither a postgres:// URL nor an Npgsql connection string ({e.GetType().Name})");
        }
    }

    private static NpgsqlConnectionStringBuilder FromUrl(string value)
    {
        var uri = new Uri(value);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Trim('[', ']'),
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (!uri.IsDefaultPort && uri.Port > 0)
        {
            builder.Port = uri.Port;
        }

        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        // Query parameters are connection-string keys (sslmode, application_name, …): libpq's spellings map to Npgsql's.
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]).Replace("_", " ", StringComparison.Ordinal);
            builder[key] = equals < 0 ? "true" : Uri.UnescapeDataString(pair[(equals + 1)..]);
        }

        return builder;
    }

    private static StartupRefusedException Refuse(string problem) => new($"RM_DATABASE_URL: {problem}");
}
