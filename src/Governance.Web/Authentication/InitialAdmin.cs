using Governance.Core.Accounts;

namespace Governance.Web.Authentication;

/// <summary>
/// In Local mode, the first start creates an Admin account when there is none. Its password comes from
/// <c>GOV_ADMIN_PASSWORD</c> or is generated. A generated password is written to
/// <c>Authentication:Local:InitialAdminPasswordFile</c> when that is set (a new file only its owner may read; the
/// console then says where), else shown once on the console; never in the log.
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
        var file = localOptions.Value.InitialAdminPasswordFile;
        string where;
        if (!string.IsNullOrEmpty(given))
        {
            where = $" Its password is the one given in {PasswordVariable}.";
        }
        else if (!string.IsNullOrWhiteSpace(file))
        {
            WriteOwnerOnly(Path.GetFullPath(file), password);
            where = $" Its password is in {Path.GetFullPath(file)} (readable by this user only): read it, then delete the file.";
        }
        else
        {
            where = $" Its password (shown only this once): {password}";
        }

        Console.WriteLine();
        Console.WriteLine("==================================================================");
        Console.WriteLine($" First start: created the Admin account '{user}'.");
        Console.WriteLine(where);
        Console.WriteLine(" Add more accounts with: ./gov users add --user-name NAME --role ROLE");
        Console.WriteLine("==================================================================");
        Console.WriteLine();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Creates the file (never overwrites one) with permissions for its owner alone, then writes the password.</summary>
    internal static void WriteOwnerOnly(string path, string password)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.WriteLine(password);
    }
}
