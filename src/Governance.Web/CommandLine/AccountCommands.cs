using System.CommandLine;
using Governance.Core.Accounts;
using Governance.Core.Audit;

namespace Governance.Web.CommandLine;

/// <summary><c>./gov users</c> and <c>./gov clients</c>: who may sign in, and which systems may submit requests.</summary>
internal static class AccountCommands
{
    internal static Command Users()
    {
        var userName = new Option<string>("--user-name") { Description = "Sign-in name", Required = true };
        var role = new Option<string[]>("--role") { Description = "PrivacyOfficer, Legal, Auditor or Admin; repeat for several", Required = true, AllowMultipleArgumentsPerToken = true };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input instead of generating one" };
        var email = new Option<string?>("--email") { Description = "Work e-mail for deadline notices (optional)" };
        var add = new Command("add", "Add a local account (Authentication:Mode = Local).") { userName, role, passwordStdin, email };
        add.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            var fromStdin = parse.GetValue(passwordStdin);
            var mail = parse.GetValue(email);
            if (mail is not null && !Governance.Core.Requests.ContactFormats.IsEmail(mail))
            {
                throw new ArgumentException("--email: not a valid e-mail address.");
            }

            var password = fromStdin ? (Console.In.ReadLine() ?? "").TrimEnd('\r', '\n') : LocalAccountService.GeneratePassword();
            await using var services = await GovernanceCommandLine.CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            var accounts = services.GetRequiredService<LocalAccountService>();
            var id = await accounts.AddAsync(parse.GetValue(userName)!, password, parse.GetValue(role)!, GovernanceCommandLine.CliActor, token);
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

    internal static Command Clients()
    {
        var name = new Option<string>("--name") { Description = "Name of the client, e.g. chat-eu", Required = true };
        var add = new Command("add", "Add an API client that may submit requests; its key is shown once.") { name };
        add.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            await using var services = await GovernanceCommandLine.CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            var (id, key) = await services.GetRequiredService<Governance.Core.Requests.ApiClients>().AddAsync(parse.GetValue(name)!, GovernanceCommandLine.CliActor, token);
            await services.GetRequiredService<AuditSealer>().SealAllAsync(token);
            Console.WriteLine($"Added API client {id}. Its key (shown only this once; send it as X-Api-Key): {key}");
            return 0;
        }, ct));
        var clients = new Command("clients", "API clients that submit data-subject requests.");
        clients.Add(add);
        return clients;
    }
}
