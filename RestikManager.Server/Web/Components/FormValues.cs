namespace RestikManager.Server.Web.Components;

/// <summary>What the pages' forms and filters post, read the way the API's JSON would be: empty is absent.</summary>
internal static class FormValues
{
    /// <summary>The text trimmed, or null when it is empty or only spaces.</summary>
    public static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}

/// <summary>A paged list's place: "120 jobs, page 2 of 3" and the links to the pages before and after (null: none).</summary>
internal sealed record Pager(string Summary, string? Previous, string? Next)
{
    /// <summary>Page <paramref name="page"/> of <paramref name="count"/> items, <paramref name="link"/> making a page's address.</summary>
    public static Pager Of(int count, string noun, int page, int pageSize, Func<int, string> link)
    {
        var pages = Math.Max(1, (count + pageSize - 1) / pageSize);
        return new Pager($"{count} {noun}, page {page} of {pages}", page > 1 ? link(page - 1) : null, page < pages ? link(page + 1) : null);
    }
}
