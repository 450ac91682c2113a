using System.Text;
using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using RestikManager.Server.Data;

namespace RestikManager.Server.Accounts;

/// <summary>
/// ASP.NET Data Protection's key ring (what signs sessions and antiforgery tokens) in PostgreSQL's
/// <c>data_protection_keys</c>, so that a cookie issued by one replica is read by every other. Each key is encrypted
/// with the server's secret key (<see cref="SecretKeyXmlEncryptor"/>) before it is stored.
/// </summary>
internal sealed class DatabaseXmlRepository(Database database) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = database.Open();
        return [.. connection.Query<byte[]>("SELECT element FROM data_protection_keys ORDER BY name").Select(e => XElement.Parse(Encoding.UTF8.GetString(e)))];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        using var connection = database.Open();
        connection.Execute("INSERT INTO data_protection_keys (name, element) VALUES (@name, @element) ON CONFLICT (name) DO NOTHING",
            new { name = string.IsNullOrEmpty(friendlyName) ? Guid.NewGuid().ToString("N") : friendlyName,
                  element = Encoding.UTF8.GetBytes(element.ToString(SaveOptions.DisableFormatting)) });
    }
}

/// <summary>Encrypts a Data Protection key with the server's secret key (AES-256-GCM, <see cref="SecretKey.Seal"/>).</summary>
internal sealed class SecretKeyXmlEncryptor(SecretKey key) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var sealedBytes = key.Seal(Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting)));
        return new EncryptedXmlInfo(new XElement("sealed", Convert.ToBase64String(sealedBytes)), typeof(SecretKeyXmlDecryptor));
    }
}

/// <summary>Opens what <see cref="SecretKeyXmlEncryptor"/> sealed; Data Protection creates it with the service provider.</summary>
internal sealed class SecretKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var plain = services.GetRequiredService<SecretKey>().Open(Convert.FromBase64String(encryptedElement.Value));
        return XElement.Parse(Encoding.UTF8.GetString(plain));
    }
}
