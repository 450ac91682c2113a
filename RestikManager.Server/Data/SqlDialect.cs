namespace RestikManager.Server.Data;

/// <summary>
/// The few places where SQLite's and PostgreSQL's SQL differ, as fragments a store puts into its statement. Everything
/// else is written once in the SQL both accept (<c>ON CONFLICT</c>, <c>IS DISTINCT FROM</c>, <c>RETURNING</c>); times are
/// ISO text on both (<see cref="UtcTextHandler"/>) and JSON columns are text.
/// </summary>
internal sealed class SqlDialect
{
    public static readonly SqlDialect Sqlite = new(postgres: false);
    public static readonly SqlDialect Postgres = new(postgres: true);

    private readonly bool _postgres;

    private SqlDialect(bool postgres) => _postgres = postgres;

    /// <summary><paramref name="column"/> equals <paramref name="value"/> ignoring ASCII case (names, hostnames).</summary>
    public string NoCaseEquals(string column, string value) =>
        _postgres ? $"lower({column}) = lower({value})" : $"{column} = {value} COLLATE NOCASE";

    /// <summary>An ordering by a name that ignores ASCII case, as the unique indexes do.</summary>
    public string NoCase(string column) => _postgres ? $"lower({column})" : $"{column} COLLATE NOCASE";

    /// <summary>Appended to a SELECT in a write transaction: the rows read stay as read until it commits (PostgreSQL).</summary>
    public string ForUpdate => _postgres ? " FOR UPDATE" : "";

    /// <summary>
    /// <paramref name="column"/> is one of the list <paramref name="list"/> names: Dapper expands a list into SQLite's
    /// <c>IN (…)</c> but hands Npgsql an array, which PostgreSQL reads with <c>= ANY</c>.
    /// </summary>
    public string In(string column, string list) => _postgres ? $"{column} = ANY({list})" : $"{column} IN {list}";

    /// <summary>A FROM item over a JSON array's elements; each row has <c>alias.value</c> (text for strings, JSON otherwise).</summary>
    public string JsonElements(string json, string alias, bool text = true) => _postgres
        ? $"{(text ? "jsonb_array_elements_text" : "jsonb_array_elements")}(CAST({json} AS jsonb)) AS {alias}(value)"
        : $"json_each({json}) AS {alias}";

    /// <summary>Item <paramref name="index"/> of a JSON array value, as text.</summary>
    public string JsonItem(string json, int index) => _postgres
        ? $"({json} ->> {index})"
        : $"json_extract({json}, '$[{index}]')";
}
