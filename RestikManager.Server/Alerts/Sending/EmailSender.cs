using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace RestikManager.Server.Alerts.Sending;

/// <summary>Sends an alert as a plain-text email through the channel's SMTP server (MailKit): STARTTLS, TLS or none.</summary>
internal sealed class EmailSender(ChannelStore channels)
{
    public async Task SendAsync(Channel channel, AlertMessage message, CancellationToken cancellationToken)
    {
        var settings = channel.Settings;
        var mail = new MimeMessage { Subject = message.Title, Body = new TextPart("plain") { Text = message.Text } };
        mail.From.Add(MailboxAddress.Parse(settings.From ?? ""));
        foreach (var to in settings.To ?? [])
        {
            mail.To.Add(MailboxAddress.Parse(to));
        }

        var security = settings.Security switch
        {
            EmailSecurity.Tls => SecureSocketOptions.SslOnConnect,
            EmailSecurity.None => SecureSocketOptions.None,
            _ => SecureSocketOptions.StartTls,
        };
        var where = $"{settings.SmtpHost}:{settings.SmtpPort}";
        using var smtp = new SmtpClient { Timeout = 30_000 };
        try
        {
            await smtp.ConnectAsync(settings.SmtpHost ?? "", settings.SmtpPort ?? EmailSecurity.DefaultPort(settings.Security ?? ""), security, cancellationToken);
            if (settings.Username is { Length: > 0 } username)
            {
                await smtp.AuthenticateAsync(username, channels.Secret(channel.Id, ChannelSecrets.Password) ?? "", cancellationToken);
            }

            await smtp.SendAsync(mail, cancellationToken);
            await smtp.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or MailKit.ProtocolException
                                   or MailKit.CommandException or AuthenticationException or System.Security.Authentication.AuthenticationException
                                   or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // MailKit's messages name the server's reply, never the password.
            throw new DeliveryFailedException($"email through {where} failed: {e.Message}", e);
        }
    }
}
