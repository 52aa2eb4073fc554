using System.CommandLine;
using Governance.Core;
using Governance.Core.Accounts;
using Governance.Core.Audit;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.Database.Embedded;
using Governance.Core.Demo;
using Governance.Core.Validation;
using Governance.Jobs.Hosting;
using Microsoft.Extensions.Options;

namespace Governance.Web.CommandLine;

/// <summary>The console's command line: <c>./gov db|demo|users|serve</c>. Every failure is one line on stderr and a non-zero exit.</summary>
public static class GovernanceCommandLine
{
    private static readonly string[] CliFlags = ["--help", "-h", "-?", "--version"];

    public static async Task<int> RunAsync(string[] args)
    {
        // No command (or only host options such as --urls) runs the web host, as a deployment would start it.
        if (args.Length == 0 || (args[0].StartsWith('-') && !CliFlags.Contains(args[0])))
        {
            return await ServeAsync(args);
        }

        // Ids such as @alice:example.org are values, not response files.
        var parse = Build().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0 && !args.Any(a => CliFlags.Contains(a)))
        {
            // One line, not a page of help: what is wrong, and where to read more.
            var verb = string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')).Take(2));
            Console.Error.WriteLine($"error: {parse.Errors[0].Message.ReplaceLineEndings(" ")} (see './gov {(verb.Length == 0 ? "" : verb + " ")}--help').");
            return 2;
        }

        return await parse.InvokeAsync();
    }

    public static RootCommand Build()
    {
        var root = new RootCommand("Governance console for the chat system: data-subject requests, retention, residency, audit.");
        root.Add(DbCommand());
        root.Add(DemoCommand());
        root.Add(UsersCommand());
        root.Add(AuditCommand());
        root.Add(DataMapCommands.Policies());
        root.Add(DataMapCommands.Plan());
        root.Add(DataMapCommands.DataMap());
        root.Add(ClientsCommand());
        root.Add(DataMapCommands.Find());
        root.Add(BenchCommand());

        var serve = new Command("serve", "Run the web console (and, unless Jobs:RunServer is false, the job server).");
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on, e.g. http://127.0.0.1:5080" };
        serve.Add(urls);
        serve.SetAction((parse, ct) =>
        {
            var extra = parse.GetValue(urls) is { } u ? new[] { $"--urls={u}" } : [];
            return ServeAsync(extra);
        });
        root.Add(serve);
        return root;
    }

    private static Task<int> ServeAsync(string[] args) =>
        GuardAsync(async token =>
        {
            // The local cluster, when the settings need it and allow it, is started before the host is built, so that
            // no service waits on it synchronously. Start-up checks (database reachable, no pending migration) run as
            // the host's first hosted service, against the host's own configuration.
            var resolver = Resolver(GovernanceConfiguration.ForCommandLine());
            if (resolver.EmbeddedOptions.AutoStart)
            {
                await resolver.ResolveAsync(startEmbedded: true, token);
            }

            var app = GovernanceWebHost.Build(args);
            await app.RunAsync();
            return 0;
        });

    private static Command DbCommand()
    {
        var db = new Command("db", "The governance database, and the local PostgreSQL cluster used when no connection string is set.");
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder of the local cluster (default: .data/pg)" };
        var port = new Option<int?>("--port") { Description = "Port on 127.0.0.1 (default: a free one)" };
        var durable = new Option<bool>("--no-fsync") { Description = "Throwaway clusters only: turn off fsync for speed" };

        var start = new Command("start", "Initialise (first time) and start the local PostgreSQL cluster.") { dataDir, port, durable };
        start.SetAction((parse, ct) => GuardAsync(async token =>
        {
            var resolver = Resolver(Overrides(parse, dataDir, port, durable));
            if (!resolver.NeedsEmbedded())
            {
                Console.WriteLine("Connection strings are configured for every database: the console uses those servers and starts nothing.");
                return 0;
            }

            var cluster = resolver.EmbeddedCluster();
            var p = await cluster.StartAsync(token);
            Console.WriteLine($"Local PostgreSQL runs on 127.0.0.1:{p} (cluster in {cluster.DataDirectory}).");
            return 0;
        }, ct));

        var stop = new Command("stop", "Stop the local PostgreSQL cluster.") { dataDir };
        stop.SetAction((parse, ct) => GuardAsync(async token =>
        {
            var cluster = Resolver(Overrides(parse, dataDir, null, null)).EmbeddedCluster();
            Console.WriteLine(await cluster.StopAsync(token) ? "Local PostgreSQL stopped." : "Local PostgreSQL was not running.");
            return 0;
        }, ct));

        var status = new Command("status", "Say whether the local cluster runs and whether migrations are pending.") { dataDir };
        status.SetAction((parse, ct) => GuardAsync(async token =>
        {
            var resolver = Resolver(Overrides(parse, dataDir, null, null));
            if (resolver.NeedsEmbedded())
            {
                var cluster = resolver.EmbeddedCluster();
                var running = cluster.RunningPort();
                Console.WriteLine(running is { } p
                    ? $"Local PostgreSQL: running on 127.0.0.1:{p} (cluster in {cluster.DataDirectory})."
                    : cluster.IsInitialized
                        ? $"Local PostgreSQL: stopped (cluster in {cluster.DataDirectory}); start it with './gov db start'."
                        : $"Local PostgreSQL: not created yet; './gov db start' creates it in {cluster.DataDirectory}.");
                if (running is null)
                {
                    return 3;
                }
            }

            var connections = await resolver.ResolveAsync(startEmbedded: false, token);
            await PostgresAdmin.EnsureDatabaseAsync(connections.GovernanceAdmin, "ConnectionStrings:GovernanceAdmin", token);
            var pending = await new GovernanceMigrator(connections.GovernanceAdmin, NullLogger()).PendingAsync(token);
            Console.WriteLine($"Governance database {ConnectionSummary.Describe(connections.Governance)}: "
                + (pending.Count == 0 ? "up to date." : $"{pending.Count} migrations pending; run './gov db migrate'."));
            return 0;
        }, ct));

        var migrate = new Command("migrate", "Create the governance database if missing and apply pending migrations (and Hangfire's schema).") { dataDir };
        migrate.SetAction((parse, ct) => GuardAsync(async token =>
        {
            var configuration = Overrides(parse, dataDir, null, null);
            var resolver = Resolver(configuration);
            var connections = await resolver.ResolveAsync(startEmbedded: true, token);
            if (await PostgresAdmin.EnsureDatabaseAsync(connections.GovernanceAdmin, "ConnectionStrings:GovernanceAdmin", token))
            {
                Console.WriteLine($"Created database {ConnectionSummary.Describe(connections.GovernanceAdmin)}.");
            }

            var migrator = new GovernanceMigrator(connections.GovernanceAdmin, NullLogger());
            var outcome = await migrator.MigrateAsync(token);
            if (!outcome.Successful)
            {
                Console.Error.WriteLine($"error: migration failed in {outcome.Error}; the failed script was rolled back.");
                return 1;
            }

            var jobs = configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
            await HangfireSchema.InstallAsync(connections.GovernanceAdmin, jobs.Schema, token);
            await migrator.ApplyGrantsAsync(jobs.Schema, token);
            Console.WriteLine(outcome.Applied.Count == 0
                ? "Governance database is up to date."
                : $"Applied {outcome.Applied.Count} migrations: {string.Join(", ", outcome.Applied.Select(ShortName))}.");
            return 0;
        }, ct));

        db.Add(start);
        db.Add(stop);
        db.Add(status);
        db.Add(migrate);
        return db;
    }

    private static Command DemoCommand()
    {
        var users = new Option<int>("--users") { Description = "People across all regions", DefaultValueFactory = _ => 2_000 };
        var messages = new Option<long>("--messages") { Description = "Messages across all regions", DefaultValueFactory = _ => 200_000 };
        var seed = new Option<ulong>("--seed") { Description = "Same seed and anchor, same data", DefaultValueFactory = _ => 42 };
        var anchor = new Option<string?>("--anchor") { Description = "Last day of the three years of history, yyyy-MM-dd (default: today, UTC)" };
        var replace = new Option<bool>("--replace") { Description = "Replace the rows already in the chat stores" };
        var seedCommand = new Command("seed", "Create the chat stores on the local cluster (if missing) and fill them with deterministic demo data.")
        {
            users, messages, seed, anchor, replace,
        };
        seedCommand.SetAction((parse, ct) => GuardAsync(async token =>
        {
            var anchorText = parse.GetValue(anchor);
            DateOnly day;
            if (anchorText is null)
            {
                day = DateOnly.FromDateTime(DateTime.UtcNow);
            }
            else if (!DateOnly.TryParseExact(anchorText, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out day))
            {
                throw new ArgumentException($"--anchor must be a date as yyyy-MM-dd (got '{anchorText}').");
            }

            var options = new DemoSeedOptions(parse.GetValue(users), parse.GetValue(messages), parse.GetValue(seed), day, parse.GetValue(replace));
            options.Validate();
            await using var services = await CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            var seeder = new DemoSeeder(services.GetRequiredService<ChatStoreRegistry>(), services.GetRequiredService<ILogger<DemoSeeder>>());
            var report = await seeder.SeedAsync(options, token);
            foreach (var s in report.Stores)
            {
                Console.WriteLine($"{s.Store} ({s.Region}): {s.Rows["users"]:N0} users, {s.Rows["conversations"]:N0} conversations, {s.Rows["messages"]:N0} messages, {s.Files:N0} files, {s.Rows.Values.Sum():N0} rows in all");
            }

            Console.WriteLine($"Seeded {report.Total("messages"):N0} messages in {report.Elapsed.TotalSeconds:F1} s.");
            return 0;
        }, ct));

        var demo = new Command("demo", "Demo data for the reference chat store.");
        demo.Add(seedCommand);
        return demo;
    }

    private static Command UsersCommand()
    {
        var userName = new Option<string>("--user-name") { Description = "Sign-in name", Required = true };
        var role = new Option<string[]>("--role") { Description = "PrivacyOfficer, Legal, Auditor or Admin; repeat for several", Required = true, AllowMultipleArgumentsPerToken = true };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input instead of generating one" };
        var email = new Option<string?>("--email") { Description = "Work e-mail for deadline notices (optional)" };
        var add = new Command("add", "Add a local account (Authentication:Mode = Local).") { userName, role, passwordStdin, email };
        add.SetAction((parse, ct) => GuardAsync(async token =>
        {
            var fromStdin = parse.GetValue(passwordStdin);
            var mail = parse.GetValue(email);
            if (mail is not null && !Governance.Core.Requests.ContactFormats.IsEmail(mail))
            {
                throw new ArgumentException("--email: not a valid e-mail address.");
            }

            var password = fromStdin ? (Console.In.ReadLine() ?? "").TrimEnd('\r', '\n') : LocalAccountService.GeneratePassword();
            await using var services = await CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            var accounts = services.GetRequiredService<LocalAccountService>();
            var id = await accounts.AddAsync(parse.GetValue(userName)!, password, parse.GetValue(role)!, CliActor, token);
            await services.GetRequiredService<Governance.Core.Requests.StaffDirectory>().SeenAsync($"local:{id}", parse.GetValue(userName)!, mail,
                parse.GetValue(role)!.Select(r => Governance.Core.Security.Roles.Normalise(r)!).ToList(), token);
            await services.GetRequiredService<AuditSealer>().SealAllAsync(token);
            Console.WriteLine($"Added local account {id}.");
            if (!fromStdin)
            {
                Console.WriteLine($"Password (shown only this once): {password}");
            }

            return 0;
        }, ct));

        var users = new Command("users", "Local sign-in accounts.");
        users.Add(add);
        return users;
    }

    /// <summary>Commands typed at the console's own command line act as this system actor (the OS user is not known to the console).</summary>
    private static readonly AuditActor CliActor = AuditActor.System("cli");

    private static Command AuditCommand()
    {
        var from = new Option<string?>("--from") { Description = "First chain position, or a date yyyy-MM-dd (entries sealed from that day)" };
        var to = new Option<string?>("--to") { Description = "Last chain position, or a date yyyy-MM-dd (entries sealed before the next day)" };
        var verify = new Command("verify", "Verify the audit log's hash chain; exit 4 and name the first bad position when it is broken.") { from, to };
        verify.SetAction((parse, ct) => GuardAsync(async token =>
        {
            await using var services = await CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            var database = services.GetRequiredService<GovernanceDatabase>();
            var first = await AuditPositions.ResolveAsync(database, parse.GetValue(from), "--from", isEnd: false, token);
            var last = await AuditPositions.ResolveAsync(database, parse.GetValue(to), "--to", isEnd: true, token);
            if (first is { } f && last is { } l && f > l)
            {
                throw new ArgumentException("--from comes after --to.");
            }

            var result = await services.GetRequiredService<VerifyAuditChain>().RunAsync(CliActor, first, last, token);
            await services.GetRequiredService<AuditSealer>().SealAllAsync(token);
            Console.WriteLine($"{result.Summary} ({result.Checked:N0} positions checked in {result.Elapsed.TotalSeconds:F2} s)");
            if (!result.Intact)
            {
                Console.WriteLine($"First bad position: {result.FirstBadPosition} ({result.Problem}).");
                return 4;
            }

            return 0;
        }, ct));

        var audit = new Command("audit", "The audit log.");
        audit.Add(verify);
        return audit;
    }

    private static Command ClientsCommand()
    {
        var name = new Option<string>("--name") { Description = "Name of the client, e.g. chat-eu", Required = true };
        var add = new Command("add", "Add an API client that may submit requests; its key is shown once.") { name };
        add.SetAction((parse, ct) => GuardAsync(async token =>
        {
            await using var services = await CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            var (id, key) = await services.GetRequiredService<Governance.Core.Requests.ApiClients>().AddAsync(parse.GetValue(name)!, CliActor, token);
            await services.GetRequiredService<AuditSealer>().SealAllAsync(token);
            Console.WriteLine($"Added API client {id}. Its key (shown only this once; send it as X-Api-Key): {key}");
            return 0;
        }, ct));
        var clients = new Command("clients", "API clients that submit data-subject requests.");
        clients.Add(add);
        return clients;
    }

    private static Command BenchCommand()
    {
        var entries = new Option<int>("--entries") { Description = "Entries in the verification and review benchmarks", DefaultValueFactory = _ => 1_000_000 };
        var appends = new Option<int>("--appends") { Description = "Entries appended by the concurrent writers", DefaultValueFactory = _ => 8_000 };
        var bench = new Command("audit", "Benchmark the audit log on a scratch database: append throughput, verification, review queries.") { entries, appends };
        bench.SetAction((parse, ct) => GuardAsync(async token =>
        {
            var resolver = Resolver(GovernanceConfiguration.ForCommandLine());
            var connections = await resolver.ResolveAsync(resolver.EmbeddedOptions.AutoStart, token);
            await Governance.Core.Audit.Benchmark.AuditBenchmark.RunAsync(connections.GovernanceAdmin, parse.GetValue(entries), parse.GetValue(appends), Console.Out, token);
            return 0;
        }, ct));

        var count = new Option<int>("--count") { Description = "Requests in the list benchmark", DefaultValueFactory = _ => 100_000 };
        var requests = new Command("requests", "Benchmark the request list on a scratch database: p95 per filter.") { count };
        requests.SetAction((parse, ct) => GuardAsync(async token =>
        {
            var resolver = Resolver(GovernanceConfiguration.ForCommandLine());
            var connections = await resolver.ResolveAsync(resolver.EmbeddedOptions.AutoStart, token);
            await Governance.Core.Requests.Benchmark.RequestListBenchmark.RunAsync(connections.GovernanceAdmin, parse.GetValue(count), Console.Out, token);
            return 0;
        }, ct));

        var root = new Command("bench", "Benchmarks that print their figures.");
        root.Add(bench);
        root.Add(requests);
        return root;
    }

    private static IConfiguration Overrides(ParseResult parse, Option<string?> dataDir, Option<int?>? port, Option<bool>? noFsync)
    {
        var values = new Dictionary<string, string?>();
        if (parse.GetValue(dataDir) is { } d)
        {
            values[$"{EmbeddedPostgresOptions.Section}:{nameof(EmbeddedPostgresOptions.DataDirectory)}"] = Path.GetFullPath(d);
        }

        if (port is not null && parse.GetValue(port) is { } p)
        {
            values[$"{EmbeddedPostgresOptions.Section}:{nameof(EmbeddedPostgresOptions.Port)}"] = p.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (noFsync is not null && parse.GetValue(noFsync))
        {
            values[$"{EmbeddedPostgresOptions.Section}:{nameof(EmbeddedPostgresOptions.Durable)}"] = "false";
        }

        return new ConfigurationBuilder().AddConfiguration(GovernanceConfiguration.ForCommandLine()).AddInMemoryCollection(values).Build();
    }

    private static ConnectionResolver Resolver(IConfiguration configuration) => new(configuration, LoggerFactory());

    internal static async Task<ServiceProvider> CoreServicesAsync(IConfiguration configuration, CancellationToken ct)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging(b => b
            .AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Governance", LogLevel.Information));
        services.AddGovernanceCore();
        var provider = services.BuildServiceProvider();
        // Resolve (and start the local cluster if allowed) up front, so that a problem is reported before any work.
        var resolver = provider.GetRequiredService<ConnectionResolver>();
        await resolver.ResolveAsync(resolver.EmbeddedOptions.AutoStart, ct);
        return provider;
    }

    private static ILoggerFactory LoggerFactory() =>
        Microsoft.Extensions.Logging.LoggerFactory.Create(b => b
            .AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Governance", LogLevel.Information));

    private static ILogger NullLogger() => Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    private static string ShortName(string resource) =>
        resource.Replace("Governance.Core.Database.Migrations.", "", StringComparison.Ordinal);

    /// <summary>
    /// Turns every failure into one line on stderr and a non-zero exit: expected kinds with their message, database
    /// errors with their code and PostgreSQL's message (never its detail, which may quote row values), anything else
    /// by its type only (a bug to report; its message may carry data).
    /// </summary>
    internal static async Task<int> GuardAsync(Func<CancellationToken, Task<int>> action, CancellationToken ct = default)
    {
        try
        {
            return await action(ct);
        }
        catch (ValidationException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
        catch (Exception ex) when (ex is EmbeddedPostgresException or InvalidOperationException or ArgumentException or OptionsValidationException)
        {
            var message = ex is ArgumentException { ParamName: { } name } ? ex.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : ex.Message;
            Console.Error.WriteLine($"error: {message}");
            return ex is ArgumentException ? 2 : 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled.");
            return 130;
        }
        catch (Npgsql.PostgresException ex)
        {
            Console.Error.WriteLine($"error: the database refused: {ex.SqlState} {ex.MessageText.ReplaceLineEndings(" ")}");
            return 1;
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            Console.Error.WriteLine("error: a database could not be reached; check './gov db status' and the connection settings.");
            return 1;
        }
        catch (Exception ex) when (ex is KeyNotFoundException or IOException or UnauthorizedAccessException or FormatException)
        {
            Console.Error.WriteLine($"error: {ex.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"error: unexpected failure ({ex.GetType().Name}); please report it with the command that caused it.");
            return 70;
        }
    }
}
