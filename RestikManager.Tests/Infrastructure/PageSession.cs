using System.Text.RegularExpressions;

namespace RestikManager.Tests.Infrastructure;

/// <summary>A browser-like session with the in-process server: signed in through the real sign-in form (antiforgery and all), keeping its cookie.</summary>
internal static partial class PageSession
{
    public static async Task<HttpClient> SignInAsync(ServerFactory server, string username = "admin", string password = Api.AdminPassword)
    {
        var http = server.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = true });
        var form = await http.GetStringAsync("/signin");
        var token = Antiforgery().Match(form).Groups[1].Value;
        using var signIn = await http.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = username, ["password"] = password, ["__RequestVerificationToken"] = token,
        }));
        signIn.IsSuccessStatusCode.ShouldBeTrue();
        signIn.RequestMessage!.RequestUri!.AbsolutePath.ShouldNotBe("/signin", "signed in, sent on from the form");
        return http;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();
}
