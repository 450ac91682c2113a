using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using RestikManager.Server.Api;
using RestikManager.Server.Configuration;

namespace RestikManager.Server.Distribution;

/// <summary>
/// <c>GET|HEAD /agent/binary?os=&amp;arch=</c>, <c>GET|HEAD /restic/binary?os=&amp;arch=</c> and <c>GET|HEAD /install/{name}</c>:
/// the agent executables, the restic executables a server may carry, and the install assets; data directory first,
/// bundled tree second, with SHA-256, ETag and Range.
/// </summary>
internal static class DistributionApi
{
    /// <summary>Response header carrying the lowercase hex SHA-256 of the bytes served.</summary>
    public const string ChecksumHeader = Contracts.Protocol.AgentProtocol.ChecksumHeader;

    /// <summary>Text in an install asset that is replaced by the server's public URL when served.</summary>
    public const string ServerUrlPlaceholder = "@@RM_SERVER_URL@@";

    private static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    public static IHostApplicationBuilder AddDistribution(this IHostApplicationBuilder builder, ServerSettings settings)
    {
        builder.Services.AddSingleton(new DistributionAssets(settings.DataDir, settings.BundledAssetsDir));
        builder.Services.AddSingleton<FileDigests>();
        builder.Services.AddSingleton<AgentReleases>();
        builder.Services.AddSingleton(new PublicUrl(settings.BaseUrl));
        return builder;
    }

    public static RouteGroupBuilder MapDistributionApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Distribution");
        group.MapMethods("/agent/binary", GetAndHead, (string? os, string? arch, HttpContext context, DistributionAssets assets, FileDigests digests) =>
            ServeBinaryAsync(os, arch, "agent", DistributionAssets.BinariesFolder, DistributionAssets.AgentBinaries, context, assets, digests));
        group.MapMethods(Contracts.Protocol.AgentProtocol.ResticBinaryPath, GetAndHead, (string? os, string? arch, HttpContext context, DistributionAssets assets, FileDigests digests) =>
            ServeBinaryAsync(os, arch, "restic", DistributionAssets.ResticFolder, DistributionAssets.ResticBinaries, context, assets, digests));
        group.MapMethods("/install/{**name}", GetAndHead, GetInstallAsset);
        return group;
    }

    private static async Task<Results<PhysicalFileHttpResult, JsonHttpResult<ErrorEnvelope>>> ServeBinaryAsync(
        string? os, string? arch, string what, string folder, IReadOnlyDictionary<(string Os, string Arch), string> names,
        HttpContext context, DistributionAssets assets, FileDigests digests)
    {
        if (os is null || arch is null || !names.TryGetValue((os, arch), out var name))
        {
            var known = string.Join(", ", names.Keys.Select(k => $"os={k.Os}&arch={k.Arch}"));
            return ApiErrors.BadRequest("invalid_platform", $"No {what} is built for os='{os}' arch='{arch}'. Known platforms: {known}.");
        }

        var file = assets.Find(folder, name);
        if (file is null)
        {
            return ApiErrors.NotFound("binary_not_published", $"The {what} for {os}/{arch} ({name}) is not published on this server.");
        }

        var sha = await digests.Sha256Async(file, context.RequestAborted);
        context.Response.Headers[ChecksumHeader] = sha;
        return TypedResults.PhysicalFile(file.FullName, "application/octet-stream", name,
            file.LastWriteTimeUtc, new EntityTagHeaderValue($"\"{sha}\""), enableRangeProcessing: true);
    }

    private static async Task<Results<FileContentHttpResult, JsonHttpResult<ErrorEnvelope>>> GetInstallAsset(
        string? name, HttpContext context, DistributionAssets assets, PublicUrl publicUrl)
    {
        if (!IsPlainName(name))
        {
            return ApiErrors.BadRequest("invalid_name", "An install asset is named by a plain file name, without paths or encoded characters.");
        }

        if (publicUrl.For(context.Request) is not { } url)
        {
            return ApiErrors.BadRequest("invalid_host", PublicUrl.InvalidHostMessage);
        }

        if (!DistributionAssets.InstallAssets.TryGetValue(name, out var contentType))
        {
            return ApiErrors.NotFound("not_found", $"There is no install asset '{name}'. Known: {string.Join(", ", DistributionAssets.InstallAssets.Keys)}.");
        }

        var file = assets.Find(DistributionAssets.InstallFolder, name);
        if (file is null)
        {
            return ApiErrors.NotFound("not_found", $"The install asset '{name}' is not published on this server.");
        }

        var template = await File.ReadAllTextAsync(file.FullName, context.RequestAborted);
        var bytes = System.Text.Encoding.UTF8.GetBytes(template.Replace(ServerUrlPlaceholder, url, StringComparison.Ordinal));
        var sha = FileDigests.Sha256(bytes);
        context.Response.Headers[ChecksumHeader] = sha;
        context.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Bytes(bytes, contentType, fileDownloadName: null, enableRangeProcessing: true,
            file.LastWriteTimeUtc, new EntityTagHeaderValue($"\"{sha}\""));
    }

    private static bool IsPlainName([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? name) =>
        !string.IsNullOrEmpty(name)
        && name.Length <= 64
        && !name.Contains("..", StringComparison.Ordinal)
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');
}
