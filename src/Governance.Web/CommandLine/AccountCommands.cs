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
        users.Add(Change("disable", "Disable an account: it can no longer sign in, and its open sign-ins end within seconds.",
            (admin, name, _, token) => admin.DisableAsync(name, GovernanceCommandLine.CliActor, token), "Disabled"));
        users.Add(Change("enable", "Enable a disabled account again (and clear a lockout); it signs in anew.",
            (admin, name, _, token) => admin.EnableAsync(name, GovernanceCommandLine.CliActor, token), "Enabled"));
        users.Add(Change("set-roles", "Replace an account's roles; its open sign-ins end, and the new roles apply at the next one.",
            (admin, name, roles, token) => admin.SetRolesAsync(name, roles!, GovernanceCommandLine.CliActor, token), "Changed the roles of", withRoles: true));

        var list = new Command("list", "List local accounts: name, roles, state, last sign-in.");
        list.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            await using var services = await GovernanceCommandLine.CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            foreach (var a in await services.GetRequiredService<AccountAdministration>().ListAsync(token))
            {
                var state = a.DisabledAt is not null ? "disabled" : a.LockedUntil > DateTimeOffset.UtcNow ? "locked" : "active";
                var last = a.LastSignInAt is { } at ? at.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture) : "never";
                Console.WriteLine($"{a.UserName,-24} {string.Join(",", a.Roles),-36} {state,-9} last sign-in {last}");
            }

            return 0;
        }, ct));
        users.Add(list);
        return users;
    }

    /// <summary>A verb that changes one account by name (and, for set-roles, its roles), audited as the command line.</summary>
    private static Command Change(string verb, string description, Func<AccountAdministration, string, string[]?, CancellationToken, Task> change, string done, bool withRoles = false)
    {
        var userName = new Option<string>("--user-name") { Description = "Sign-in name", Required = true };
        var role = new Option<string[]>("--role") { Description = "PrivacyOfficer, Legal, Auditor or Admin; repeat for several", Required = true, AllowMultipleArgumentsPerToken = true };
        var command = new Command(verb, description) { userName };
        if (withRoles)
        {
            command.Add(role);
        }

        command.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            await using var services = await GovernanceCommandLine.CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            var name = parse.GetValue(userName)!;
            await change(services.GetRequiredService<AccountAdministration>(), name, withRoles ? parse.GetValue(role) : null, token);
            await services.GetRequiredService<AuditSealer>().SealAllAsync(token);
            Console.WriteLine($"{done} account {name}.");
            return 0;
        }, ct));
        return command;
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
        var revokeName = new Option<string>("--name") { Description = "Name of the client (oauth:<client id> for an OAuth client)", Required = true };
        var revoke = new Command("revoke", "Revoke an API client: its key or token is refused from the next call on; its requests stay.") { revokeName };
        revoke.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            await using var services = await GovernanceCommandLine.CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            await services.GetRequiredService<Governance.Core.Requests.ApiClients>().RevokeAsync(parse.GetValue(revokeName)!, GovernanceCommandLine.CliActor, token);
            await services.GetRequiredService<AuditSealer>().SealAllAsync(token);
            Console.WriteLine($"Revoked API client {parse.GetValue(revokeName)}.");
            return 0;
        }, ct));
        var clients = new Command("clients", "API clients that submit data-subject requests.");
        clients.Add(add);
        clients.Add(revoke);
        return clients;
    }
}
