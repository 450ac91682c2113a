using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace RestikManager.Server.Alerts.Sending;

/// <summary>
/// What went wrong with a delivery, in an operator's words and with what to change: every exception a receiver can cause
/// through MailKit or HttpClient becomes one sentence. The sentences name the receiver by host and port only (URLs carry
/// tokens) and never hold a password: MailKit's own messages quote the server's replies, not what was sent.
/// </summary>
internal static class DeliveryProblems
{
    /// <summary>Why an email through <paramref name="where"/> (host:port) failed.</summary>
    public static string Email(string where, Exception e) => e switch
    {
        NotSupportedException when Mentions(e, "STARTTLS") =>
            $"the SMTP server at {where} does not offer STARTTLS; choose security 'none' or 'tls' (usually port 25 for a local relay, 465 for TLS)",
        NotSupportedException when Mentions(e, "authentication") =>
            $"the SMTP server at {where} does not offer sign-in (AUTH) on this connection; leave the username empty, or choose security 'starttls' or 'tls' if it offers AUTH only over TLS",
        SslHandshakeException { ServerCertificate: not null } =>
            $"the SMTP server at {where} showed a certificate this server does not trust ({Inner(e)}); give it a certificate from a trusted authority, or add its authority to this server's trust store",
        SslHandshakeException =>
            $"the TLS handshake with the SMTP server at {where} failed; with security 'tls' use the server's TLS port (usually 465), with 'starttls' its submission port (usually 587)",
        MailKit.Security.AuthenticationException =>
            $"the SMTP server at {where} refused the username or password ({e.Message.TrimEnd('.')})",
        SmtpCommandException command =>
            $"the SMTP server at {where} refused the message: {(int)command.StatusCode} {command.Message.TrimEnd('.')} (check From and To)",
        SmtpProtocolException or ServiceNotConnectedException or IOException =>
            $"the SMTP server at {where} closed the connection or did not speak SMTP ({e.Message.TrimEnd('.')}); check the port and the security setting",
        _ => Network(where, e) ?? $"email through {where} failed: {e.GetType().Name}: {e.Message.TrimEnd('.')}",
    };

    /// <summary>Why an HTTP request to <paramref name="where"/> (host:port) got no answer.</summary>
    public static string Unreached(string kind, string where, Exception e) =>
        $"{kind} receiver at {where} could not be reached: " + (Network(where, e) ?? e switch
        {
            HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } =>
                $"the TLS handshake failed ({Inner(e)}); it needs a certificate this server trusts, or use http:// for a receiver without TLS",
            HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => "it closed the connection without an answer",
            HttpRequestException { HttpRequestError: HttpRequestError.InvalidResponse } => "it did not answer in HTTP (is this the right port?)",
            HttpRequestException { HttpRequestError: var error } when error != HttpRequestError.Unknown => $"{error} ({e.Message.TrimEnd('.')})",
            Polly.CircuitBreaker.BrokenCircuitException => "it failed too often just now; the next attempt waits for the circuit breaker",
            _ => $"{e.GetType().Name}: {e.Message.TrimEnd('.')}",
        });

    /// <summary>A receiver that answered, but not 2xx.</summary>
    public static string Answered(string kind, string where, int status, string? reason) =>
        $"{kind} receiver at {where} answered HTTP {status} {reason}" + status switch
        {
            401 or 403 => " (check the channel's token or URL: the receiver refused it)",
            404 => " (check the URL: the receiver has nothing there)",
            >= 500 => " (the receiver failed; it is retried)",
            _ => "",
        };

    /// <summary>An exception no rule above expected: still only this attempt's failure, named by its type.</summary>
    public static string Unexpected(string kind, Exception e) => $"{kind} delivery failed: {e.GetType().Name}: {e.Message.TrimEnd('.')}";

    private static string? Network(string where, Exception e)
    {
        // A time-out first: the socket under a cancelled request says only "operation aborted".
        if (e is TimeoutException or OperationCanceledException or Polly.Timeout.TimeoutRejectedException)
        {
            return $"{where} did not answer in time";
        }

        return Find<SocketException>(e) is not { } socket ? null : socket.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => $"nothing accepts connections at {where} (connection refused); check the host and port",
            SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => $"the host name of {where} does not resolve; check its spelling and this server's DNS",
            SocketError.TimedOut => $"{where} did not answer the connection in time",
            SocketError.NetworkUnreachable or SocketError.HostUnreachable => $"{where} cannot be reached from this server (no route)",
            SocketError.ConnectionReset => $"{where} reset the connection",
            var other => $"{other} ({socket.Message.TrimEnd('.')})",
        };
    }

    private static T? Find<T>(Exception? e)
        where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static string Inner(Exception e)
    {
        var innermost = e;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return innermost.Message.Split('\n', StringSplitOptions.TrimEntries)[0].TrimEnd('.');
    }

    private static bool Mentions(Exception e, string word) => e.Message.Contains(word, StringComparison.OrdinalIgnoreCase);
}
