using System.Diagnostics;
using RestikManager.Server.Audit;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Accounts;

/// <summary><c>restic-manager-server admin …</c> run on the host, next to a running server.</summary>
[Collection(PublishedTreeGroup.Web)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class AdminCommandTests(PublishedTree tree)
{
    [Fact]
    public async Task ResetPasswordReadsStdinWorksWhileTheServerRunsAndKeepsTheAuditChain()
    {
        await using var stack = await PublishedStack.StartAsync(tree);

        var (code, output) = await Admin(stack, "brand-new-password-1\n", "reset-password", "--user", "admin");

        code.ShouldBe(0, output);
        output.ShouldContain("The password of 'admin' was reset.");
        output.ShouldNotContain("brand-new-password-1");
        (await Api.TokenAsync(stack.Server!.Http, "admin", "brand-new-password-1")).ShouldStartWith("rmt_");
        AuditLog.Verify(stack.Root.Of("server-data", "audit", "audit.jsonl"), out var entries).ShouldBeNull();
        entries.Select(e => e.Action).ShouldContain("user.reset_password");
        entries[^1].Action.ShouldBe("api_token.create");
    }

    [Fact]
    public async Task EnrollmentTokenPrintsAWorkingToken()
    {
        await using var stack = await PublishedStack.StartAsync(tree);

        var (code, output) = await Admin(stack, "", "enrollment-token", "--label", "from the host", "--expires-in-minutes", "30");
        var token = output.Split('\n')[0].Trim();

        code.ShouldBe(0, output);
        token.ShouldStartWith("rme_");
        var (enrolled, enrollOutput) = await ChildProcess.RunAsync(tree.Agent("linux-amd64"),
            ["enroll", "--server", stack.Url, "--token", token, "--config", stack.Root.Of("a", "agent.json"), "--hostname", "cli-host"]);
        enrolled.ShouldBe(0, enrollOutput);
        (await Api.HostsAsync(stack.Admin)).ShouldHaveSingleItem().GetProperty("label").GetString().ShouldBe("from the host");
    }

    /// <summary>Every bad input, against one server: each is refused with its sentence, and none changes anything.</summary>
    [Fact]
    public async Task BadInputIsRefusedAndChangesNothing()
    {
        await using var stack = await PublishedStack.StartAsync(tree);
        var audit = stack.Root.Of("server-data", "audit", "audit.jsonl");
        AuditLog.Verify(audit, out var before).ShouldBeNull();
        (string Stdin, string[] Args, string Message)[] cases =
        [
            ("short\n", ["reset-password", "--user", "admin"], "the new password must be at least 12 characters"),
            ("", ["reset-password", "--user", "admin"], "the new password must be at least 12 characters"),
            ("long-enough-password\n", ["reset-password", "--user", "nobody"], "no account 'nobody'"),
            ("", ["enrollment-token", "--expires-in-minutes", "0"], "expiresInMinutes must be from 1 to"),
            ("", ["enrollment-token", "--expires-in-minutes", "999999"], "expiresInMinutes must be from 1 to"),
        ];

        foreach (var (stdin, args, message) in cases)
        {
            var (code, output) = await Admin(stack, stdin, args);

            code.ShouldBe(1, string.Join(' ', args));
            output.ShouldContain(message, Case.Sensitive, string.Join(' ', args));
        }

        AuditLog.Verify(audit, out var after).ShouldBeNull();
        after.Count.ShouldBe(before.Count, "nothing was done, so nothing was audited");
        (await Api.TokenAsync(stack.Server!.Http)).ShouldStartWith("rmt_", Case.Sensitive, "the admin's password is the one it was");
    }

    [Fact]
    public async Task AdminCommandsNeedAnExistingDataDirectory()
    {
        using var empty = new TempDir();

        var (code, output) = await ChildProcess.RunAsync(tree.ServerExecutable, ["admin", "enrollment-token"],
            new Dictionary<string, string?> { ["RM_DATA_DIR"] = empty.Of("nothing-here") });

        code.ShouldBe(1);
        output.ShouldContain("no database in");
        Directory.Exists(empty.Of("nothing-here")).ShouldBeFalse();
    }

    private static async Task<(int Code, string Output)> Admin(PublishedStack stack, string stdin, params string[] args)
    {
        var info = new ProcessStartInfo(stack.ServerExecutablePath)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.ArgumentList.Add("admin");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["RM_DATA_DIR"] = stack.Root.Of("server-data");
        using var process = Process.Start(info)!;
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout + await stderr);
    }
}
