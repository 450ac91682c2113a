using RestikManager.Server.Events;
using RestikManager.Server.Api;

namespace RestikManager.Server.Repositories;

internal static class RepositoriesExtensions
{
    /// <summary>Repositories: where backups go, with their secrets kept by the secret store.</summary>
    public static IHostApplicationBuilder AddRepositories(this IHostApplicationBuilder builder)
    {
        builder.AddJson(RepositoriesJson.Default);
        builder.Services.AddSingleton<RepositoryStore>();
        builder.Services.AddSingleton<RepositoryCommands>();
        builder.Services.AddReplicated("repository-changed", RepositoriesJson.Default.RepositoryChanged);
        return builder;
    }
}
