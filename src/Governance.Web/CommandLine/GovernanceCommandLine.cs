using System.CommandLine;
using Governance.Core;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Database.Embedded;
using Governance.Core.Validation;
using Microsoft.Extensions.Options;

namespace Governance.Web.CommandLine;

/// <summary>The console's command line (<c>./gov</c>), one file per capability beside this one. Every failure is one line on stderr and a non-zero exit.</summary>
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
        root.Add(DatabaseCommands.Db());
        root.Add(DemoCommands.Demo());
        root.Add(AccountCommands.Users());
        root.Add(AuditCommands.Audit());
        root.Add(DataMapCommands.Policies());
        root.Add(DataMapCommands.Plan());
        root.Add(DataMapCommands.DataMap());
        root.Add(AccountCommands.Clients());
        root.Add(DataMapCommands.Find());
        root.Add(ReportCommands.Report());
        root.Add(ErasureCommands.Erasure());
        root.Add(RetentionCommands.Retention());
        root.Add(BenchCommands.Bench());

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
            await app.StartAsync(token);
            // The addresses the server really bound (a port of 0 is chosen now), said once in plain words.
            Console.WriteLine($"The console is serving at {string.Join(", ", app.Urls)} (Ctrl+C stops it).");
            await app.WaitForShutdownAsync(token);
            return 0;
        });

    /// <summary>Commands typed at the console's own command line act as this system actor (the OS user is not known to the console).</summary>
    internal static readonly AuditActor CliActor = AuditActor.System("cli");

    internal static ConnectionResolver Resolver(IConfiguration configuration) => new(configuration, LoggerFactory());

    /// <summary>
    /// The chat stores as their owners reach them (the local superuser, or <c>ChatStores:&lt;name&gt;:OwnerConnectionString</c>):
    /// for the seeder, discovery and live validation, which read or create what the console's own roles may not.
    /// </summary>
    internal static Governance.Core.ChatStores.ChatStoreRegistry OwnerStores(IServiceProvider services) =>
        new(services.GetRequiredService<ResolvedConnections>().Stores.Select(s => s with { ConnectionString = s.Owner }));

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

    internal static ILoggerFactory LoggerFactory() =>
        Microsoft.Extensions.Logging.LoggerFactory.Create(b => b
            .AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Governance", LogLevel.Information));

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
