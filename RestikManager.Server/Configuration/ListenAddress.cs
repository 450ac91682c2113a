using System.Globalization;
using System.Net;

namespace RestikManager.Server.Configuration;

/// <summary>Where Kestrel listens: <c>host:port</c> or <c>:port</c> (all interfaces).</summary>
internal sealed record ListenAddress(IPAddress? Address, bool IsLocalhost, int Port)
{
    /// <summary>Parses <paramref name="text"/>, or returns null with <paramref name="problem"/> set.</summary>
    public static ListenAddress? TryParse(string text, out string problem)
    {
        problem = "";
        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            problem = "expected host:port or :port (for example :8080, 127.0.0.1:8080, [::]:8080)";
            return null;
        }

        var host = text[..colon];
        var portText = text[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            problem = $"port '{portText}' is not a number from 0 to 65535";
            return null;
        }

        if (host.Length == 0)
        {
            return new ListenAddress(null, false, port);
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new ListenAddress(null, true, port);
        }

        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (bare.Contains(':', StringComparison.Ordinal) && !host.StartsWith('['))
        {
            problem = "an IPv6 host must be in brackets, as in [::1]:8080";
            return null;
        }

        // IPAddress.TryParse also takes legacy forms such as "1.2.3"; an IPv4 host must have four parts.
        var looksLikeIPv4 = !bare.Contains(':', StringComparison.Ordinal);
        if (!IPAddress.TryParse(bare, out var address) || (looksLikeIPv4 && bare.Split('.').Length != 4))
        {
            problem = $"host '{host}' is not an IP address or 'localhost' (leave it empty to listen on every interface)";
            return null;
        }

        return new ListenAddress(address, false, port);
    }

    /// <summary>The loopback URL a local probe (the <c>health</c> subcommand) reaches this address at.</summary>
    public Uri LocalUrl(bool https)
    {
        var host = Address switch
        {
            null => "127.0.0.1",
            { } a when a.Equals(IPAddress.Any) => "127.0.0.1",
            { } a when a.Equals(IPAddress.IPv6Any) => "[::1]",
            { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } a => $"[{a}]",
            { } a => a.ToString(),
        };
        return new Uri($"{(https ? "https" : "http")}://{host}:{Port}/");
    }
}
