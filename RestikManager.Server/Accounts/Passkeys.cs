using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Fido2NetLib;
using Fido2NetLib.Objects;
using Microsoft.AspNetCore.DataProtection;
using RestikManager.Server.Audit;
using RestikManager.Server.Configuration;
using RestikManager.Server.Data;

namespace RestikManager.Server.Accounts;

/// <summary>A passkey of a local account: its WebAuthn credential's public key and signature counter.</summary>
internal sealed record Passkey(long Id, long UserId, string CredentialId, string PublicKey, long SignCount, string Name, string CreatedAt, string? LastUsedAt);

/// <summary>
/// Passkeys as a second factor (WebAuthn through the Fido2 library): registered from the account page, asked for at the
/// second step. The relying party is the server's own host (<c>RM_BASE_URL</c>'s, else the request's) and only its
/// origin is accepted. A ceremony's options travel to the browser and back inside a Data Protection token (five
/// minutes), so nothing is kept between the two requests.
/// </summary>
internal sealed class Passkeys(Database database, ServerSettings settings, IDataProtectionProvider protection, AuditLog audit, TimeProvider time)
{
    private readonly ITimeLimitedDataProtector _ceremony = protection.CreateProtector("passkey-ceremony").ToTimeLimitedDataProtector();

    /// <summary>What the browser needs to start a ceremony: the options (WebAuthn's JSON form) and the token to post back.</summary>
    public sealed record Ceremony(JsonNode Options, string Token)
    {
        public string ToJson() => new JsonObject { ["options"] = Options.DeepClone(), ["token"] = Token }.ToJsonString();
    }

    public IReadOnlyList<Passkey> List(long userId)
    {
        using var connection = database.Open();
        return [.. connection.Query<Passkey>(
            "SELECT id, user_id AS UserId, credential_id AS CredentialId, public_key AS PublicKey, sign_count AS SignCount, name, created_at AS CreatedAt, last_used_at AS LastUsedAt FROM passkeys WHERE user_id = @userId ORDER BY id",
            new { userId })];
    }

    public Ceremony StartRegistration(User user, HttpContext context)
    {
        var options = Fido(context).RequestNewCredential(new RequestNewCredentialParams
        {
            User = new Fido2User { Id = UserHandle(user), Name = user.Username, DisplayName = user.Username },
            ExcludeCredentials = [.. List(user.Id).Select(p => new PublicKeyCredentialDescriptor(Base64Url.DecodeFromChars(p.CredentialId)))],
            AuthenticatorSelection = new AuthenticatorSelection { ResidentKey = ResidentKeyRequirement.Preferred, UserVerification = UserVerificationRequirement.Preferred },
            AttestationPreference = AttestationConveyancePreference.None,
        });
        return Start(user, "register", options.ToJson());
    }

    /// <summary>Stores the new passkey when the browser's answer verifies; returns a refusal's sentence otherwise.</summary>
    public async Task<string?> FinishRegistrationAsync(User user, string? token, JsonNode? credential, string? name, HttpContext context)
    {
        if (Open(user, "register", token) is not { } json || credential is null)
        {
            return "The passkey request expired or is not this account's; try again.";
        }

        name = string.IsNullOrWhiteSpace(name) ? "passkey" : name.Trim();
        if (name.Length > 100)
        {
            return "A passkey's name is at most 100 characters.";
        }

        RegisteredPublicKeyCredential made;
        try
        {
            made = await Fido(context).MakeNewCredentialAsync(new MakeNewCredentialParams
            {
                AttestationResponse = JsonSerializer.Deserialize<AuthenticatorAttestationRawResponse>(credential.ToJsonString())!,
                OriginalOptions = CredentialCreateOptions.FromJson(json),
                IsCredentialIdUniqueToUserCallback = (args, _) => Task.FromResult(!Exists(args.CredentialId)),
            }, context.RequestAborted);
        }
        catch (Exception e) when (e is Fido2VerificationException or JsonException or ArgumentException or FormatException)
        {
            return "The browser's answer did not verify: " + e.Message;
        }

        using (var connection = database.Open())
        {
            connection.Execute(
                "INSERT INTO passkeys (user_id, credential_id, public_key, sign_count, name, created_at) VALUES (@userId, @credentialId, @publicKey, @signCount, @name, @now)",
                new { userId = user.Id, credentialId = Base64Url.EncodeToString(made.Id), publicKey = Convert.ToBase64String(made.PublicKey), signCount = (long)made.SignCount, name, now = time.GetUtcNow() });
        }

        audit.Append($"user:{user.Username}", "second_factor.add", $"user:{user.Username}", detail: $"passkey '{name}'");
        return null;
    }

    public Ceremony StartAssertion(User user, HttpContext context)
    {
        var options = Fido(context).GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = [.. List(user.Id).Select(p => new PublicKeyCredentialDescriptor(Base64Url.DecodeFromChars(p.CredentialId)))],
            UserVerification = UserVerificationRequirement.Preferred,
        });
        return Start(user, "assert", options.ToJson());
    }

    /// <summary>Whether the browser's answer is a signature of this challenge by one of the user's passkeys (its counter moves on).</summary>
    public async Task<bool> VerifyAsync(User user, string? token, JsonNode? credential, HttpContext context)
    {
        if (Open(user, "assert", token) is not { } json || credential is null)
        {
            return false;
        }

        try
        {
            var response = JsonSerializer.Deserialize<AuthenticatorAssertionRawResponse>(credential.ToJsonString())!;
            var id = Base64Url.EncodeToString(response.RawId);
            if (List(user.Id).FirstOrDefault(p => p.CredentialId == id) is not { } passkey)
            {
                return false;
            }

            var result = await Fido(context).MakeAssertionAsync(new MakeAssertionParams
            {
                AssertionResponse = response,
                OriginalOptions = AssertionOptions.FromJson(json),
                StoredPublicKey = Convert.FromBase64String(passkey.PublicKey),
                StoredSignatureCounter = (uint)passkey.SignCount,
                IsUserHandleOwnerOfCredentialIdCallback = (args, _) => Task.FromResult(args.UserHandle is null || args.UserHandle.AsSpan().SequenceEqual(UserHandle(user))),
            }, context.RequestAborted);
            using var connection = database.Open();
            connection.Execute("UPDATE passkeys SET sign_count = @count, last_used_at = @now WHERE id = @id",
                new { count = (long)result.SignCount, now = time.GetUtcNow(), id = passkey.Id });
            return true;
        }
        catch (Exception e) when (e is Fido2VerificationException or JsonException or ArgumentException or FormatException)
        {
            return false;
        }
    }

    public bool Remove(User user, long id, string actor)
    {
        using var connection = database.Open();
        var removed = connection.Execute("DELETE FROM passkeys WHERE id = @id AND user_id = @userId", new { id, userId = user.Id }) == 1;
        if (removed)
        {
            audit.Append(actor, "second_factor.remove", $"user:{user.Username}", detail: "passkey");
        }

        return removed;
    }

    private bool Exists(byte[] credentialId)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<long>("SELECT count(*) FROM passkeys WHERE credential_id = @id", new { id = Base64Url.EncodeToString(credentialId) }) > 0;
    }

    private Ceremony Start(User user, string purpose, string optionsJson) =>
        new(JsonNode.Parse(optionsJson)!, _ceremony.Protect($"{purpose}\n{user.Id.ToString(CultureInfo.InvariantCulture)}\n{optionsJson}", TimeSpan.FromMinutes(5)));

    private string? Open(User user, string purpose, string? token)
    {
        try
        {
            var parts = _ceremony.Unprotect(token ?? "").Split('\n', 3);
            return parts.Length == 3 && parts[0] == purpose && parts[1] == user.Id.ToString(CultureInfo.InvariantCulture) ? parts[2] : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    // The WebAuthn user handle: the server's id of the user, never their name.
    private static byte[] UserHandle(User user) => System.Text.Encoding.ASCII.GetBytes("rm-user-" + user.Id.ToString(CultureInfo.InvariantCulture));

    private Fido2 Fido(HttpContext context)
    {
        var origin = settings.BaseUrl is { } configured
            ? configured.GetLeftPart(UriPartial.Authority)
            : $"{context.Request.Scheme}://{context.Request.Host}";
        var host = new Uri(origin).Host;
        return new Fido2(new Fido2Configuration
        {
            RPID = host,
            RPName = "restic-manager",
            Origins = new HashSet<string>(StringComparer.Ordinal) { origin },
        }, null!);
    }
}
