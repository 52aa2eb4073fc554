using System.Diagnostics;
using Governance.Core.Database.Embedded;

namespace Governance.Web.Tests.CommandLine;

/// <summary>Every verb, given bad input, answers with one line on stderr and a non-zero exit: never a stack trace, never a page of help.</summary>
public sealed class CommandLineErrorTests
{
    public static TheoryData<string[]> BadInputs() => new()
    {
        new[] { "frobnicate" },
        new[] { "db", "start", "--port", "not-a-number" },
        new[] { "db", "status" },
        new[] { "db", "migrate" },
        new[] { "demo", "seed", "--users", "-5" },
        new[] { "demo", "seed", "--anchor", "2026-13-01" },
        new[] { "users", "add", "--user-name", "x" },
        new[] { "users", "add", "--user-name", "x", "--role", "Wizard", "--email", "not-an-email" },
        new[] { "audit", "verify", "--from", "yesterday-ish" },
        new[] { "bench", "requests", "--count", "many" },
        new[] { "policies", "validate", "/nonexistent/policies" },
        new[] { "retention", "preview", "--rule", "no-such-rule" },
        new[] { "datamap", "discover", "--store", "nowhere" },
        new[] { "datamap", "discover", "--store", "eu", "--schema", "public; drop table users" },
        new[] { "plan", "access", "--store", "eu", "--email", "not-an-email" },
        new[] { "plan", "erase", "--store", "eu", "--user-id", "has space" },
        new[] { "plan", "erase", "--store", "nowhere", "--user-id", "@alice:example.org" },
        new[] { "plan", "access", "--store", "eu", "--email", "a@example.org", "--phone", "+447700900123" },
        new[] { "find", "--user-id", "" },
        new[] { "clients", "add" },
        new[] { "clients", "revoke" },
        new[] { "users", "disable" },
        new[] { "users", "set-roles", "--user-name", "x" },
        new[] { "serve", "--urls", "not a url" },
        new[] { "db", "grants", "--store", "nowhere" },
        new[] { "report", "audit", "--out", "/nonexistent-folder/audit.pdf" },
        new[] { "report", "audit", "--out", "audit.pdf", "--from", "2026-11-30", "--to", "2026-11-01" },
        new[] { "report", "audit", "--out", "audit.pdf", "--lang", "fr" },
        new[] { "report", "audit", "--out", "audit.pdf", "--from", "30/11/2026" },
        new[] { "report", "breach", "--out", "audit.pdf" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Verb_WithBadInput_AnswersOneLineAndANonZeroExit(string[] args)
    {
        var (exit, stdout, stderr) = await RunAsync(args);

        Assert.NotEqual(0, exit);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr for '{string.Join(' ', args)}', got:\n{stderr}\nstdout:\n{stdout}");
        Assert.StartsWith("error:", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Usage:", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_UserIdWithAnAtSign_IsAValueNotAResponseFile()
    {
        var (exit, stdout, stderr) = await RunAsync(["plan", "access", "--store", "eu", "--user-id", "@alice:example.org"]);

        // The shipped map plans; the id reaches the plan as its input rather than being read as a file name.
        Assert.True(exit == 0, stderr);
        Assert.Contains("access plan for store 'eu'", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsersAndClients_DisableEnableSetRolesRevoke_EachAudited_UnknownNamesAreOneLine()
    {
        var (admin, _) = await Governance.Tests.Support.MigratedDatabase.CreateAsync("cliusers");
        try
        {
            async Task<string> Ok(params string[] args)
            {
                var (exit, stdout, stderr) = await RunAsync(args, admin);
                Assert.True(exit == 0, $"{string.Join(' ', args)}: {stderr}");
                return stdout;
            }

            await Ok("users", "add", "--user-name", "root", "--role", "Admin");
            await Ok("users", "add", "--user-name", "ann", "--role", "Legal");
            await Ok("users", "disable", "--user-name", "ann");
            Assert.Matches(@"ann\s+Legal\s+disabled", await Ok("users", "list"));
            await Ok("users", "enable", "--user-name", "ann");
            await Ok("users", "set-roles", "--user-name", "ann", "--role", "Auditor", "--role", "Legal");
            Assert.Matches(@"ann\s+Auditor,Legal\s+active\s+last sign-in never", await Ok("users", "list"));
            await Ok("clients", "add", "--name", "chat-eu");
            await Ok("clients", "revoke", "--name", "chat-eu");

            var (exit, _, stderr) = await RunAsync(["users", "disable", "--user-name", "nobody"], admin);
            var (lastAdmin, _, lastAdminError) = await RunAsync(["users", "disable", "--user-name", "root"], admin);

            Assert.Equal(2, exit);
            Assert.Equal("error: The account is not valid: userName: No local account has this name.", stderr.Trim());
            Assert.Equal(2, lastAdmin);
            Assert.Contains("last enabled Admin", lastAdminError, StringComparison.Ordinal);
            var actions = await Governance.Tests.Support.TestPostgres.ScalarAsync<string>(admin,
                "select string_agg(action, ',' order by id) from gov.audit_log where actor_id = 'system:cli' and (action like 'account.%' or action like 'api-client.%')");
            Assert.Equal("account.create,account.create,account.disable,account.enable,account.set-roles,api-client.create,api-client.revoke", actions);
        }
        finally
        {
            await Governance.Tests.Support.TestPostgres.DropDatabaseAsync(admin);
        }
    }

    [Fact]
    public async Task DbGrants_PrintsTheStoresRoleFromItsMap_AndApplyGrantsExactlyThat()
    {
        var store = await Governance.Tests.Support.TestPostgres.CreateDatabaseWithAsync("cligrants", Governance.Core.Demo.DemoSeeder.SchemaSql());
        try
        {
            var (printed, sql, printError) = await RunAsync(["db", "grants", "--store", "eu"]);
            var extra = new Dictionary<string, string> { ["ChatStores__eu__OwnerConnectionString"] = store };
            var (applied, said, applyError) = await RunAsync(["db", "grants", "--store", "eu", "--apply"], extra: extra);

            // What the shipped map (policies/datamap/chat.yaml) says: devices rows go with the person, a user's locale is
            // kept, memberships are never deleted, and the map names no other table.
            Assert.True(printed == 0, printError);
            Assert.Contains("drop owned by \"governance_store_eu\";", sql, StringComparison.Ordinal);
            Assert.Contains("grant select, delete on \"public\".\"devices\" to \"governance_store_eu\";", sql, StringComparison.Ordinal);
            Assert.Contains("grant select on \"public\".\"conversation_members\" to \"governance_store_eu\";", sql, StringComparison.Ordinal);
            Assert.True(applied == 0, applyError);
            Assert.StartsWith("eu: governance_store_eu may read 14 tables", said.Trim(), StringComparison.Ordinal);
            var rights = await Governance.Tests.Support.TestPostgres.ScalarAsync<string>(store, """
                select concat_ws(',',
                    has_table_privilege('governance_store_eu', 'public.devices', 'DELETE'),
                    has_column_privilege('governance_store_eu', 'public.users', 'email', 'UPDATE'),
                    has_column_privilege('governance_store_eu', 'public.users', 'locale', 'UPDATE'),
                    has_table_privilege('governance_store_eu', 'public.conversation_members', 'DELETE'),
                    has_table_privilege('governance_store_eu', 'public.users', 'TRUNCATE'),
                    has_table_privilege('governance_store_eu', 'public.users', 'INSERT'))
                """);
            Assert.Equal("t,t,f,f,f,f", rights); // boolean as text: t or f
        }
        finally
        {
            await Governance.Tests.Support.TestPostgres.DropDatabaseAsync(store);
        }
    }

    [Fact]
    public async Task DbGrants_ForALocalStoreWithADatabaseOfItsOwnName_GrantsConnectOnThatDatabase()
    {
        var extra = new Dictionary<string, string> { ["ChatStores__eu__ConnectionString"] = "", ["ChatStores__eu__Database"] = "chat_europe" };

        var (exit, sql, stderr) = await RunAsync(["db", "grants", "--store", "eu"], extra: extra);

        Assert.True(exit == 0, stderr);
        Assert.Contains("grant connect on database \"chat_europe\" to \"governance_store_eu\";", sql, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_OnADatabaseWithPendingMigrations_RefusesToStart_SayingWhatToRun()
    {
        var unmigrated = await Governance.Tests.Support.TestPostgres.CreateDatabaseAsync("unmigrated");
        try
        {
            var port = EmbeddedCluster.FreePort();

            var (exit, stdout, stderr) = await RunAsync(["serve", "--urls", $"http://127.0.0.1:{port}"], unmigrated);

            Assert.NotEqual(0, exit);
            Assert.StartsWith("error: The governance database has", stderr.Trim(), StringComparison.Ordinal);
            Assert.Contains("run './gov db migrate' first", stderr, StringComparison.Ordinal);
            Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.DoesNotContain("Now listening", stdout, StringComparison.Ordinal);
        }
        finally
        {
            await Governance.Tests.Support.TestPostgres.DropDatabaseAsync(unmigrated);
        }
    }

    /// <summary>The real binary, with every database pointing at a closed port (or at <paramref name="governance"/>) so that nothing is started.</summary>
    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string[] args, string? governance = null, Dictionary<string, string>? extra = null)
    {
        var closed = $"Host=127.0.0.1;Port={EmbeddedCluster.FreePort()};Username=postgres;Database=none;Timeout=2";
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Browser.ConsoleProcess.BinaryPath());
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["ConnectionStrings__Governance"] = governance ?? closed;
        info.Environment["ConnectionStrings__GovernanceAdmin"] = governance ?? closed;
        info.Environment["ChatStores__eu__Region"] = "eu";
        info.Environment["ChatStores__eu__ConnectionString"] = closed;
        info.Environment["Governance__DataDirectory"] = Path.Combine(Path.GetTempPath(), "gov-cli-" + Guid.NewGuid().ToString("N"));
        info.Environment["DataMap__Directory"] = Governance.Web.Tests.Support.ConsoleDatabases.PoliciesFolder();
        info.Environment.Remove("GOV_SETTINGS_FILE");
        foreach (var (key, value) in extra ?? [])
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
