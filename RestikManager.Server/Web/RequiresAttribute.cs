using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace RestikManager.Server.Web;

/// <summary>
/// The policy a page handler needs (<c>Roles.CanOperate</c>, <c>Roles.CanAdminister</c>): a handler that changes something
/// says so on itself, and <see cref="RequiresFilter"/> answers anyone else 403 before it runs. Razor Pages authorize a
/// whole page, not one handler; this is the one check for the handlers of a page that viewers may read.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RequiresAttribute(string policy) : Attribute
{
    public string Policy => policy;
}

/// <summary>Enforces <see cref="RequiresAttribute"/> on the selected handler.</summary>
internal sealed class RequiresFilter(IAuthorizationService authorization) : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        if (context.HandlerMethod?.MethodInfo.GetCustomAttribute<RequiresAttribute>() is { } requires
            && !(await authorization.AuthorizeAsync(context.HttpContext.User, requires.Policy)).Succeeded)
        {
            context.Result = new ForbidResult();
            return;
        }

        await next();
    }
}
