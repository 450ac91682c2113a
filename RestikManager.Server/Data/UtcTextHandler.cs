using System.Data;
using System.Globalization;
using Dapper;

namespace RestikManager.Server.Data;

/// <summary>
/// How a time is kept in the database: ISO-8601 text in UTC (<c>2026-12-03T15:19:26.1234567+00:00</c>), which sorts
/// as it compares. Dapper applies it to every <see cref="DateTimeOffset"/> parameter and column, so no store formats
/// or parses a time by hand.
/// </summary>
internal sealed class UtcTextHandler : SqlMapper.TypeHandler<DateTimeOffset>
{
    public static string Format(DateTimeOffset value) => value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    public override void SetValue(IDbDataParameter parameter, DateTimeOffset value)
    {
        parameter.DbType = DbType.String;
        parameter.Value = Format(value);
    }

    public override DateTimeOffset Parse(object value) =>
        DateTimeOffset.Parse((string)value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
