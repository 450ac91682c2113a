using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace RestikManager.Server.Alerts.Sending;

/// <summary>
/// Sends an alert as a plain-text email through the channel's SMTP server (MailKit): STARTTLS, TLS or none. Throws only
/// <see cref="DeliveryFailedException"/> (or a cancellation of the caller's token).
/// </summary>
internal sealed class EmailSender(ChannelStore channels)
{
    public async Task SendAsync(Channel channel, AlertMessage message, CancellationToken cancellationToken)
    {
        var settings = channel.Settings;
        var port = settings.SmtpPort ?? EmailSecurity.DefaultPort(settings.Security ?? "");
        var where = $"{settings.SmtpHost}:{port}";
        var security = settings.Security switch
        {
            EmailSecurity.Tls => SecureSocketOptions.SslOnConnect,
            EmailSecurity.None => SecureSocketOptions.None,
            _ => SecureSocketOptions.StartTls,
        };
        using var smtp = new SmtpClient { Timeout = 30_000 };
        try
        {
            var mail = new MimeMessage { Subject = message.Title, Body = new TextPart("plain") { Text = message.Text } };
            mail.From.Add(MailboxAddress.Parse(settings.From ?? ""));
            foreach (var to in settings.To ?? [])
            {
                mail.To.Add(MailboxAddress.Parse(to));
            }

            await smtp.ConnectAsync(settings.SmtpHost ?? "", port, security, cancellationToken);
            if (settings.Username is { Length: > 0 } username)
            {
                await smtp.AuthenticateAsync(username, channels.Secret(channel.Id, ChannelSecrets.Password) ?? "", cancellationToken);
            }

            await smtp.SendAsync(mail, cancellationToken);
            await smtp.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Every failure MailKit has (STARTTLS not offered, an untrusted certificate, a refused sign-in, a closed
            // connection, a name that does not resolve) is this attempt's failure, in words.
            throw new DeliveryFailedException(DeliveryProblems.Email(where, e), e);
        }
    }
}
