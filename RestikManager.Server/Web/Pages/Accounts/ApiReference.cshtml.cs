using System.Net.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using RestikManager.Server.Accounts;

namespace RestikManager.Server.Web.Pages.Accounts;

/// <summary>One operation of the API as the reference lists it.</summary>
internal sealed record ApiOperation(
    string Tag, string Method, string Path, IReadOnlyList<string> Parameters, string? Body, IReadOnlyList<string> Answers, bool NeedsToken);

/// <summary>
/// The API reference for admins, rendered on the server from the same OpenAPI document that <c>/openapi/v1.json</c>
/// serves (no script: the page keeps the CSP as it is). Scripts and generators read the document itself.
/// </summary>
[Authorize(Policy = Roles.CanAdminister)]
internal sealed class ApiReferenceModel([FromKeyedServices("v1")] IOpenApiDocumentProvider documents) : PageModel
{
    public IReadOnlyList<ApiOperation> Operations { get; private set; } = [];

    public IReadOnlyList<string> Schemas { get; private set; } = [];

    public string Title { get; private set; } = "";

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var document = await documents.GetOpenApiDocumentAsync(cancellationToken);
        Title = document.Info?.Description ?? "";
        Schemas = [.. (document.Components?.Schemas?.Keys ?? []).Order(StringComparer.Ordinal)];
        Operations = [.. (document.Paths ?? []).SelectMany(path => (path.Value.Operations ?? []).Select(op => Describe(path.Key, op.Key, op.Value)))
            .OrderBy(o => o.Tag, StringComparer.Ordinal).ThenBy(o => o.Path, StringComparer.Ordinal).ThenBy(o => o.Method, StringComparer.Ordinal)];
    }

    private static ApiOperation Describe(string path, HttpMethod method, OpenApiOperation operation) => new(
        operation.Tags?.FirstOrDefault()?.Name ?? "Other",
        method.Method,
        path,
        [.. (operation.Parameters ?? []).Select(p => $"{p.Name} ({p.In?.ToString().ToLowerInvariant()}{(p.Required ? ", required" : "")})")],
        operation.RequestBody?.Content?.Values.FirstOrDefault()?.Schema is { } body ? Name(body) : null,
        [.. (operation.Responses ?? []).Select(r => r.Value.Content?.Values.FirstOrDefault()?.Schema is { } schema ? $"{r.Key}: {Name(schema)}" : r.Key)],
        operation.Security is { Count: > 0 });

    private static string Name(IOpenApiSchema schema) => schema switch
    {
        OpenApiSchemaReference reference => reference.Reference.Id ?? "object",
        { Type: var type } when type?.HasFlag(JsonSchemaType.Array) == true && schema.Items is { } items => Name(items) + "[]",
        { Type: { } type } => type.ToString().ToLowerInvariant(),
        _ => "object",
    };
}
