using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using OtpNet;
using QRCoder;
using RestikManager.Server.Audit;
using RestikManager.Server.Data;

namespace RestikManager.Server.Accounts;

/// <summary>
/// A local account's second factor: a TOTP authenticator (RFC 6238, 30-second steps, one step either side; its secret
/// sealed with the secret key; a code used once is refused again) and ten one-time recovery codes (only their SHA-256
/// kept), plus the admin's rule that every local account needs one. Users from an OpenID provider get theirs there.
/// </summary>
internal sealed class SecondFactors(Database database, SecretKey key, IDataProtectionProvider protection, AuditLog audit, TimeProvider time)
{
    public const int RecoveryCodeCount = 10;
    private const string Issuer = "restic-manager";
    private readonly ITimeLimitedDataProtector _setup = protection.CreateProtector("second-factor-setup").ToTimeLimitedDataProtector();

    /// <summary>A secret offered for setup: the page shows its QR code and text, and posts <see cref="Token"/> back with a code.</summary>
    public sealed record Offer(string Secret, string Uri, string QrPngDataUrl, string Token);

    /// <summary>Whether the user has any second factor: an authenticator app or a passkey.</summary>
    public bool Has(long userId)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<long>(
            "SELECT (SELECT count(*) FROM users WHERE id = @userId AND totp_secret IS NOT NULL) + (SELECT count(*) FROM passkeys WHERE user_id = @userId)",
            new { userId }) > 0;
    }

    /// <summary>The users who have any second factor, in one read (the users page).</summary>
    public IReadOnlySet<long> UsersWithAny()
    {
        using var connection = database.Open();
        return connection.Query<long>("SELECT id FROM users WHERE totp_secret IS NOT NULL UNION SELECT user_id FROM passkeys").ToHashSet();
    }

    /// <summary>Whether the user has an authenticator app (TOTP).</summary>
    public bool HasTotp(long userId)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<string?>("SELECT totp_secret FROM users WHERE id = @userId", new { userId }) is not null;
    }

    /// <summary>New recovery codes when the user has none left unused (the first passkey of an account without an app); else null.</summary>
    public IReadOnlyList<string>? EnsureRecoveryCodes(User user)
    {
        if (RecoveryCodesLeft(user.Id) > 0)
        {
            return null;
        }

        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var codes = ReplaceRecoveryCodes(connection, transaction, user);
        transaction.Commit();
        return codes;
    }

    /// <summary>Whether every local account must have a second factor (the admin's rule).</summary>
    public bool Required()
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<long>("SELECT require_second_factor FROM instance") != 0;
    }

    public void SetRequired(bool required, string actor)
    {
        using var connection = database.Open();
        connection.Execute("UPDATE instance SET require_second_factor = @value", new { value = required ? 1 : 0 });
        audit.Append(actor, required ? "second_factor.require" : "second_factor.optional", null);
    }

    /// <summary>A new secret for <paramref name="user"/>; nothing is stored until a code from it is confirmed (within 15 minutes).</summary>
    public Offer NewOffer(User user)
    {
        var secret = KeyGeneration.GenerateRandomKey(20);
        var text = Base32Encoding.ToString(secret);
        var uri = new OtpUri(OtpType.Totp, text, user.Username, Issuer).ToString();
        using var qr = QRCodeGenerator.GenerateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(qr).GetGraphic(4);
        var token = _setup.Protect($"{user.Id.ToString(CultureInfo.InvariantCulture)}:{text}", TimeSpan.FromMinutes(15));
        return new Offer(text, uri, "data:image/png;base64," + Convert.ToBase64String(png), token);
    }

    /// <summary>Stores the offered secret once <paramref name="code"/> proves the app has it; returns the recovery codes (shown once), or null.</summary>
    public IReadOnlyList<string>? Confirm(User user, string? token, string? code)
    {
        string payload;
        try
        {
            payload = _setup.Unprotect(token ?? "");
        }
        catch (CryptographicException)
        {
            return null;
        }

        var parts = payload.Split(':');
        if (parts.Length != 2 || parts[0] != user.Id.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        var secret = Base32Encoding.ToBytes(parts[1]);
        if (MatchStep(secret, code) is not { } step)
        {
            return null;
        }

        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        connection.Execute("UPDATE users SET totp_secret = @secret, totp_last_step = @step WHERE id = @id",
            new { secret = Convert.ToBase64String(key.Seal(secret)), step, id = user.Id }, transaction);
        var codes = ReplaceRecoveryCodes(connection, transaction, user);
        transaction.Commit();
        audit.Append($"user:{user.Username}", "second_factor.add", $"user:{user.Username}", detail: "authenticator app");
        return codes;
    }

    /// <summary>
    /// A code from the user's authenticator (not one used before: the step must be newer than the last accepted) or an
    /// unused recovery code, which is then used up.
    /// </summary>
    public bool Verify(User user, string? code)
    {
        code = code?.Trim() ?? "";
        using var connection = database.Open();
        if (code.Contains('-', StringComparison.Ordinal))
        {
            var used = connection.Execute("UPDATE recovery_codes SET used_at = @now WHERE user_id = @id AND code_hash = @hash AND used_at IS NULL",
                new { now = time.GetUtcNow(), id = user.Id, hash = Hash(code.ToUpperInvariant()) }) == 1;
            if (used)
            {
                audit.Append($"user:{user.Username}", "second_factor.recovery_code", $"user:{user.Username}");
            }

            return used;
        }

        var row = connection.QuerySingleOrDefault<(string? Secret, long? LastStep)>(
            "SELECT totp_secret AS Secret, totp_last_step AS LastStep FROM users WHERE id = @id", new { id = user.Id });
        if (row.Secret is null || MatchStep(key.Open(Convert.FromBase64String(row.Secret)), code) is not { } step)
        {
            return false;
        }

        // Only a newer step than the last accepted one, in one statement: a code replayed (or raced) is refused.
        return connection.Execute("UPDATE users SET totp_last_step = @step WHERE id = @id AND (totp_last_step IS NULL OR totp_last_step < @step)",
            new { step, id = user.Id }) == 1;
    }

    /// <summary>
    /// Removes the user's authenticator app (their own choice), or with <paramref name="everything"/> every second factor:
    /// app, passkeys and recovery codes (an admin's reset for a lost device).
    /// </summary>
    public void Remove(User user, string actor, bool everything = false)
    {
        using var connection = database.Open();
        connection.Execute("UPDATE users SET totp_secret = NULL, totp_last_step = NULL WHERE id = @id", new { id = user.Id });
        if (everything)
        {
            connection.Execute("DELETE FROM passkeys WHERE user_id = @id", new { id = user.Id });
        }

        if (everything || !Has(user.Id))
        {
            connection.Execute("DELETE FROM recovery_codes WHERE user_id = @id", new { id = user.Id });
        }

        audit.Append(actor, "second_factor.remove", $"user:{user.Username}", detail: everything ? "every second factor" : "authenticator app");
    }

    public int RecoveryCodesLeft(long userId)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<int>("SELECT count(*) FROM recovery_codes WHERE user_id = @userId AND used_at IS NULL", new { userId });
    }

    private long? MatchStep(byte[] secret, string? code)
    {
        code = code?.Trim().Replace(" ", "", StringComparison.Ordinal) ?? "";
        if (code.Length != 6 || !code.All(char.IsAsciiDigit))
        {
            return null;
        }

        return new Totp(secret).VerifyTotp(time.GetUtcNow().UtcDateTime, code, out var step, VerificationWindow.RfcSpecifiedNetworkDelay)
            ? step : null;
    }

    /// <summary>Ten new recovery codes in place of the old ones; only their hashes are kept.</summary>
    private static List<string> ReplaceRecoveryCodes(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, User user)
    {
        var codes = Enumerable.Range(0, RecoveryCodeCount).Select(_ => NewRecoveryCode()).ToList();
        connection.Execute("DELETE FROM recovery_codes WHERE user_id = @id", new { id = user.Id }, transaction);
        foreach (var code in codes)
        {
            connection.Execute("INSERT INTO recovery_codes (user_id, code_hash) VALUES (@id, @hash)", new { id = user.Id, hash = Hash(code) }, transaction);
        }

        return codes;
    }

    // Ten characters from an alphabet without look-alikes, shown as XXXXX-XXXXX.
    private static string NewRecoveryCode()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        var chars = RandomNumberGenerator.GetItems<char>(alphabet, 10);
        return new string(chars, 0, 5) + "-" + new string(chars, 5, 5);
    }

    private static string Hash(string code) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(code)));
}
