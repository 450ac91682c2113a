using System.Diagnostics;
using System.Text.RegularExpressions;

namespace RestikManager.Agent.Restic;

/// <summary>Finds the installed restic's version (<c>restic version</c>: text in 0.14, JSON from 0.17).</summary>
internal static partial class ResticVersion
{
    public static async Task<string?> DetectAsync(string restic, CancellationToken cancellationToken)
    {
        try
        {
            var info = new ProcessStartInfo(restic) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            info.ArgumentList.Add("version");
            using var process = Process.Start(info)!;
            process.StandardInput.Close();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            await stderr;
            return Parse(await stdout);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or OperationCanceledException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>"restic 0.14.0 compiled with …" or <c>{"version":"0.17.3",…}</c> → "0.14.0" / "0.17.3".</summary>
    public static string? Parse(string output)
    {
        var match = VersionPattern().Match(output);
        return match.Success ? match.Groups["v"].Value : null;
    }

    [GeneratedRegex(@"(?:^restic |""version""\s*:\s*"")(?<v>\d+\.\d+\.\d+[^\s""]*)", RegexOptions.Multiline)]
    private static partial Regex VersionPattern();
}
