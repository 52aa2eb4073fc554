using Governance.Core.Accounts;

namespace Governance.Web.Authentication;

/// <summary>
/// In Local mode, the first start creates an Admin account when there is none. Its password comes from
/// <c>GOV_ADMIN_PASSWORD</c> or is generated, and is shown once on the console (never in the log).
/// </summary>
internal sealed class InitialAdmin(SignInOptions options, LocalAccountService accounts, Microsoft.Extensions.Options.IOptions<LocalAccountOptions> localOptions) : IHostedService
{
    public const string PasswordVariable = "GOV_ADMIN_PASSWORD";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Mode != SignInMode.Local)
        {
            return;
        }

        var given = Environment.GetEnvironmentVariable(PasswordVariable);
        var password = await accounts.EnsureInitialAdminAsync(given, cancellationToken);
        if (password is null)
        {
            return;
        }

        var user = localOptions.Value.InitialAdminUserName;
        Console.WriteLine();
        Console.WriteLine("==================================================================");
        Console.WriteLine($" First start: created the Admin account '{user}'.");
        Console.WriteLine(string.IsNullOrEmpty(given)
            ? $" Its password (shown only this once): {password}"
            : $" Its password is the one given in {PasswordVariable}.");
        Console.WriteLine(" Add more accounts with: ./gov users add --user-name NAME --role ROLE");
        Console.WriteLine("==================================================================");
        Console.WriteLine();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
