using System.Data;
using System.Globalization;
using Dapper;

namespace RestikManager.Server.Data;

/// <summary>
/// How a time is kept in the database, on both engines: text in UTC as Microsoft.Data.Sqlite writes a
/// <see cref="DateTimeOffset"/> (<c>2026-12-03 15:19:26.1234567+00:00</c>, trailing zeros of the fraction dropped), which
/// sorts as it compares and is what every SQLite database written before PostgreSQL support holds. Dapper applies it to
/// every <see cref="DateTimeOffset"/> parameter and column (<see cref="Register"/>), so no store formats or parses a time
/// by hand and PostgreSQL's text columns compare the same way.
/// </summary>
internal sealed class UtcTextHandler : SqlMapper.TypeHandler<DateTimeOffset>
{
    public static string Format(DateTimeOffset value) =>
        value.ToUniversalTime().ToString(@"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);

    /// <summary>
    /// Makes Dapper use this handler for parameters too: a type in Dapper's own type map (as <see cref="DateTimeOffset"/>
    /// is) is otherwise handed to the provider as it is, and Npgsql would send a timestamptz.
    /// </summary>
    public static void Register()
    {
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset));
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset?));
        SqlMapper.AddTypeHandler(new UtcTextHandler());
    }

    public override void SetValue(IDbDataParameter parameter, DateTimeOffset value)
    {
        parameter.DbType = DbType.String;
        parameter.Value = Format(value);
    }

    public override DateTimeOffset Parse(object value) =>
        DateTimeOffset.Parse((string)value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
