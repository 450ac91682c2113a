using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.Razor;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace RestikManager.Server.Web.Live;

/// <summary>
/// Renders a partial view (<c>Web/Pages/Shared/_Name.cshtml</c>) to HTML for an event stream. The pages render the
/// same partials, so a row or a progress panel has one markup whether it came with the page or later over the stream.
/// </summary>
internal sealed class Fragments(IRazorViewEngine views, ITempDataProvider tempData)
{
    public async Task<string> RenderAsync(HttpContext context, string partial, object model)
    {
        var path = $"/Web/Pages/Shared/{partial}.cshtml";
        var view = views.GetView(executingFilePath: null, path, isMainPage: false).View
            ?? throw new InvalidOperationException($"No partial view at {path}.");
        var action = new ActionContext(context, context.GetRouteData(), new ActionDescriptor());
        await using var writer = new StringWriter();
        var viewData = new ViewDataDictionary(new EmptyModelMetadataProvider(), new ModelStateDictionary()) { Model = model };
        await view.RenderAsync(new ViewContext(action, view, viewData, new TempDataDictionary(context, tempData), writer, new HtmlHelperOptions()));
        return writer.ToString();
    }
}
