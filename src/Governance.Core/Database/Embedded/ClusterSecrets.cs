using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Governance.Core.Database.Embedded;

/// <summary>
/// The passwords of the local cluster's roles (the superuser, the application role, one role per chat store), each in
/// a file of its own in a folder beside the cluster's (<c>&lt;cluster&gt;.secrets</c>), readable by the console's OS user
/// only. They are generated here, never chosen or printed, and reach the server only as SCRAM verifiers.
/// </summary>
public sealed partial class ClusterSecrets(string dataDirectory)
{
    public string Folder { get; } = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDirectory)) + ".secrets";

    public string PathOf(string role) => Path.Combine(Folder, CheckedRole(role));

    /// <summary>The role's password, or null when none was generated yet.</summary>
    public string? Read(string role)
    {
        try
        {
            var text = File.ReadAllText(PathOf(role)).Trim();
            return text.Length == 0 ? null : text;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The role's password, generated and written owner-only on first use. Two processes asking at once get the same one.</summary>
    public string GetOrCreate(string role)
    {
        if (Read(role) is { } existing)
        {
            return existing;
        }

        Directory.CreateDirectory(Folder);
        OwnerOnly(Folder, directory: true);
        var path = PathOf(role);
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        try
        {
            // CreateNew: of two processes creating it at once, one writes and the other reads what was written.
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            OwnerOnly(path, directory: false);
            stream.Write(Encoding.ASCII.GetBytes(password));
            return password;
        }
        catch (IOException) when (File.Exists(path))
        {
            for (var i = 0; i < 50; i++)
            {
                if (Read(role) is { } written)
                {
                    return written;
                }

                Thread.Sleep(20);
            }

            throw new EmbeddedPostgresException($"The password file {path} stayed empty: remove it and run the command again.");
        }
    }

    /// <summary>
    /// A SCRAM-SHA-256 verifier of the password (RFC 5802, 7677; PostgreSQL's format), so that the password itself is
    /// never in a statement the server could log.
    /// </summary>
    public static string ScramVerifier(string password, byte[]? salt = null, int iterations = 4096)
    {
        salt ??= RandomNumberGenerator.GetBytes(16);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, Encoding.ASCII.GetBytes("Client Key"));
        var storedKey = SHA256.HashData(clientKey);
        var serverKey = HMACSHA256.HashData(salted, Encoding.ASCII.GetBytes("Server Key"));
        return $"SCRAM-SHA-256${iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}";
    }

    /// <summary>The statement that sets a role's password from its verifier (role checked as an identifier, verifier base64 only).</summary>
    public static string SetPasswordSql(string role, string password) =>
        $"alter role \"{CheckedRole(role)}\" password '{ScramVerifier(password)}'";

    private static string CheckedRole(string role) =>
        RoleName().IsMatch(role) ? role : throw new ArgumentException($"'{role}' is not a plain role name.", nameof(role));

    internal static void OwnerOnly(string path, bool directory)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, directory
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}\\z")]
    private static partial Regex RoleName();
}
