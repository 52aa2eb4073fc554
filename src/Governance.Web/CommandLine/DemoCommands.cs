using System.CommandLine;
using Governance.Core.ChatStores;
using Governance.Core.Demo;

namespace Governance.Web.CommandLine;

/// <summary><c>./gov demo</c>: demo data for the reference chat store.</summary>
internal static class DemoCommands
{
    internal static Command Demo()
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
        seedCommand.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
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
            var configuration = GovernanceConfiguration.ForCommandLine();
            await using var services = await GovernanceCommandLine.CoreServicesAsync(configuration, token);
            await using var owners = GovernanceCommandLine.OwnerStores(services); // the seeder creates databases and tables
            var seeder = new DemoSeeder(owners, services.GetRequiredService<ILogger<DemoSeeder>>());
            var report = await seeder.SeedAsync(options, token);
            foreach (var s in report.Stores)
            {
                Console.WriteLine($"{s.Store} ({s.Region}): {s.Rows["users"]:N0} users, {s.Rows["conversations"]:N0} conversations, {s.Rows["messages"]:N0} messages, {s.Files:N0} files, {s.Rows.Values.Sum():N0} rows in all");
            }

            Console.WriteLine($"Seeded {report.Total("messages"):N0} messages in {report.Elapsed.TotalSeconds:F1} s.");
            DatabaseCommands.PrintStoreRoles(await Governance.Core.Database.ConsoleRoles.ApplyStoreRolesAsync(
                services.GetRequiredService<Governance.Core.Database.ConnectionResolver>(),
                services.GetRequiredService<Governance.Core.Database.ResolvedConnections>(),
                DatabaseCommands.LoadMaps(configuration), token));
            return 0;
        }, ct));

        var demo = new Command("demo", "Demo data for the reference chat store.");
        demo.Add(seedCommand);
        return demo;
    }
}
