using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Governance.Core.Database.Embedded;

/// <summary>
/// A PostgreSQL cluster in a local folder, started on 127.0.0.1 on a free port. As root the server binaries run
/// as the <c>postgres</c> OS user (initdb refuses root), and the folder is handed to that user. Every role signs in
/// with a password (SCRAM-SHA-256); the superuser's is generated at initialisation and kept owner-only in
/// <see cref="Secrets"/>. A cluster made by an earlier version with trust sign-in is switched over at its next start.
/// </summary>
public sealed partial class EmbeddedCluster
{
    public const string SuperUser = "postgres";
    private const string OsUser = "postgres";
    private readonly EmbeddedPostgresOptions _options;
    private readonly ILogger _logger;

    public EmbeddedCluster(string dataDirectory, EmbeddedPostgresOptions options, ILogger logger)
    {
        DataDirectory = Path.GetFullPath(dataDirectory);
        Secrets = new ClusterSecrets(DataDirectory);
        _options = options;
        _logger = logger;
    }

    public string DataDirectory { get; }

    /// <summary>The passwords of the cluster's roles, beside its folder.</summary>
    public ClusterSecrets Secrets { get; }

    public bool IsInitialized => File.Exists(Path.Combine(DataDirectory, "PG_VERSION"));

    private static bool RunningAsRoot => Environment.IsPrivilegedProcess;

    /// <summary>The port of the running server, or null when it is not running.</summary>
    public int? RunningPort()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        string[] lines;
        try
        {
            lines = File.ReadAllLines(pidFile);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        if (lines.Length < 4 || !int.TryParse(lines[0], out var pid) || !int.TryParse(lines[3], out var port))
        {
            return null;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.HasExited ? null : port;
        }
        catch (ArgumentException)
        {
            return null; // stale pid file after a crash: the next start cleans it up
        }
    }

    public static string ConnectionString(int port, string database, string user, string? password) =>
        new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = user,
            Password = password,
            Database = database,
        }.ConnectionString;

    /// <summary>The superuser's connection: only for migrations, the demo seeder and granting the console's roles.</summary>
    public string SuperUserConnectionString(int port, string database) =>
        ConnectionString(port, database, SuperUser, Secrets.Read(SuperUser));

    /// <summary>Initialises the cluster on first use and starts it; returns the port. Does nothing but return the port when it already runs.</summary>
    public async Task<int> StartAsync(CancellationToken ct)
    {
        if (RunningPort() is { } running)
        {
            return running;
        }

        // Two processes (or threads) starting the same cluster at once would race to initialise and start it: one at a
        // time, and the later one finds it running.
        await using var gate = await StartGateAsync(ct);
        if (RunningPort() is { } startedMeanwhile)
        {
            return startedMeanwhile;
        }

        var bin = LocateBinaries(_options.BinDirectory);
        if (!IsInitialized)
        {
            await InitialiseAsync(bin, ct);
        }

        var port = _options.Port > 0 ? _options.Port : FreePort();
        if (_options.Port > 0 && !PortIsFree(port))
        {
            throw new EmbeddedPostgresException(
                $"Port {port} on 127.0.0.1 is already in use: set EmbeddedPostgres:Port to a free port, or to 0 to pick one.");
        }

        var serverOptions = new List<string>
        {
            "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1",
            "-c", "unix_socket_directories=",
            "-c", "max_connections=200",
            "-c", "shared_buffers=256MB",
            "-c", "max_wal_size=4GB",
            "-c", "checkpoint_timeout=15min",
        };
        if (!_options.Durable)
        {
            serverOptions.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        var logFile = Path.Combine(DataDirectory, "server.log");
        var result = await RunServerToolAsync(bin, "pg_ctl",
            ["-D", DataDirectory, "-w", "-t", "60", "-l", logFile, "-o", string.Join(' ', serverOptions), "start"], ct);
        if (result.ExitCode != 0)
        {
            throw new EmbeddedPostgresException(
                $"PostgreSQL did not start in {DataDirectory}: {LastLines(logFile, result)} See {logFile}.");
        }

        _logger.LogInformation("Embedded PostgreSQL started on 127.0.0.1:{Port}", port);
        await EnsurePasswordSignInAsync(ct);
        return port;
    }

    /// <summary>An exclusive lock on a file beside the data folder, held while the cluster is initialised and started.</summary>
    private async Task<FileStream> StartGateAsync(CancellationToken ct)
    {
        var path = Path.TrimEndingDirectorySeparator(Path.GetFullPath(DataDirectory)) + ".start-lock";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, ct);
            }
            catch (IOException)
            {
                throw new EmbeddedPostgresException($"Another process has been starting the local PostgreSQL in {DataDirectory} for two minutes: wait for it, or see './gov db status'.");
            }
        }
    }

    public async Task<bool> StopAsync(CancellationToken ct)
    {
        if (RunningPort() is null)
        {
            return false;
        }

        var bin = LocateBinaries(_options.BinDirectory);
        var result = await RunServerToolAsync(bin, "pg_ctl", ["-D", DataDirectory, "-w", "-t", "60", "-m", "fast", "stop"], ct);
        if (result.ExitCode != 0)
        {
            throw new EmbeddedPostgresException($"PostgreSQL in {DataDirectory} did not stop: {result.StdErr.Trim()}");
        }

        return true;
    }

    private async Task InitialiseAsync(string bin, CancellationToken ct)
    {
        var existed = Directory.Exists(DataDirectory);
        if (existed && Directory.EnumerateFileSystemEntries(DataDirectory).Any())
        {
            throw new EmbeddedPostgresException(
                $"{DataDirectory} exists but holds no PostgreSQL cluster: empty it, or set EmbeddedPostgres:DataDirectory to another folder.");
        }

        Directory.CreateDirectory(DataDirectory);
        try
        {
            if (RunningAsRoot)
            {
                await HandToOsUserAsync(ct);
            }
            else
            {
                OwnerOnly(DataDirectory);
            }

            // initdb reads the superuser's password from a file the server's OS user can read, removed right after.
            var password = Secrets.GetOrCreate(SuperUser);
            var pwfile = Path.TrimEndingDirectorySeparator(DataDirectory) + ".initpw";
            await File.WriteAllTextAsync(pwfile, password, ct);
            ClusterSecrets.OwnerOnly(pwfile, directory: false);
            try
            {
                if (RunningAsRoot)
                {
                    await ProcessRunner.RunAsync("chown", [$"{OsUser}:{OsUser}", pwfile], ct);
                }

                var result = await RunServerToolAsync(bin, "initdb",
                    ["-D", DataDirectory, "--auth=scram-sha-256", "--pwfile=" + pwfile, "-U", SuperUser, "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"], ct);
                if (result.ExitCode != 0)
                {
                    throw new EmbeddedPostgresException($"initdb failed in {DataDirectory}: {FirstLine(result.StdErr)}");
                }
            }
            finally
            {
                File.Delete(pwfile);
            }
        }
        catch
        {
            // Leave nothing half-made: the next attempt starts from an empty folder.
            TryDelete(DataDirectory, keepRoot: existed);
            throw;
        }

        _logger.LogInformation("Embedded PostgreSQL cluster initialised in {DataDirectory}", DataDirectory);
    }

    /// <summary>
    /// A cluster initialised by an earlier version trusts every local connection as any role: the superuser gets a
    /// generated password (set as a verifier while trust still lets it in), then every trust line of pg_hba.conf
    /// becomes scram-sha-256 and the server reloads it. A cluster that asks for passwords but whose superuser
    /// password file is gone cannot be entered by the console: that is said, with what to do.
    /// </summary>
    private async Task EnsurePasswordSignInAsync(CancellationToken ct)
    {
        var hba = Path.Combine(DataDirectory, "pg_hba.conf");
        var lines = await File.ReadAllLinesAsync(hba, ct);
        var trusting = lines.Select(HbaMethodIsTrust).ToList();
        if (!trusting.Contains(true))
        {
            if (Secrets.Read(SuperUser) is null)
            {
                throw new EmbeddedPostgresException(
                    $"The local PostgreSQL in {DataDirectory} asks for passwords, but the superuser's password file {Secrets.PathOf(SuperUser)} is missing: restore it from a backup of that folder.");
            }

            return;
        }

        var port = RunningPort() ?? throw new EmbeddedPostgresException($"PostgreSQL in {DataDirectory} stopped right after starting: see {Path.Combine(DataDirectory, "server.log")}.");
        var password = Secrets.GetOrCreate(SuperUser);
        await using (var connection = new Npgsql.NpgsqlConnection(ConnectionString(port, "postgres", SuperUser, null) + ";Pooling=false"))
        {
            await connection.OpenAsync(ct);
            await using var command = new Npgsql.NpgsqlCommand(ClusterSecrets.SetPasswordSql(SuperUser, password), connection);
            var rewritten = lines.Select((line, i) => trusting[i] ? HbaTrustLine().Replace(line, "${head}scram-sha-256") : line).ToArray();
            await command.ExecuteNonQueryAsync(ct);
            await File.WriteAllLinesAsync(hba, rewritten, ct);
            await using var reload = new Npgsql.NpgsqlCommand("select pg_reload_conf()", connection);
            await reload.ExecuteNonQueryAsync(ct);
        }

        // The server reloads its rules a moment after the signal: the switch is done when a connection without a
        // password is refused.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var anonymous = new Npgsql.NpgsqlConnection(ConnectionString(port, "postgres", SuperUser, null) + ";Pooling=false");
                await anonymous.OpenAsync(ct);
            }
            catch (Npgsql.NpgsqlException)
            {
                break;
            }

            if (attempt == 100)
            {
                throw new EmbeddedPostgresException($"The local PostgreSQL in {DataDirectory} still lets connections in without a password after its rules were changed: see {hba}.");
            }

            await Task.Delay(50, ct);
        }

        _logger.LogWarning("The local PostgreSQL in {DataDirectory} trusted every local connection; it now asks every role for its password (superuser's kept in {SecretsFolder})", DataDirectory, Secrets.Folder);
    }

    private static bool HbaMethodIsTrust(string line) =>
        !line.TrimStart().StartsWith('#') && HbaTrustLine().IsMatch(line);

    /// <summary>A pg_hba.conf line whose method (the last word before any options) is trust.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<head>\s*(?:local|host|hostssl|hostnossl|hostgssenc|hostnogssenc)\s.*?\s)trust(?=\s|$)")]
    private static partial System.Text.RegularExpressions.Regex HbaTrustLine();

    private async Task HandToOsUserAsync(CancellationToken ct)
    {
        var chown = await ProcessRunner.RunAsync("chown", [$"{OsUser}:{OsUser}", DataDirectory], ct);
        if (chown.ExitCode != 0)
        {
            throw new EmbeddedPostgresException(
                $"Running as root, the cluster folder must belong to the '{OsUser}' OS user, but chown failed: {FirstLine(chown.StdErr)} (is PostgreSQL installed? 'apt-get install -y postgresql' creates that user)");
        }

        OwnerOnly(DataDirectory);
        var reach = await ProcessRunner.RunAsync("runuser", ["-u", OsUser, "--", "test", "-w", DataDirectory], ct);
        if (reach.ExitCode != 0)
        {
            throw new EmbeddedPostgresException(
                $"The '{OsUser}' OS user cannot reach {DataDirectory}: make its parent folders searchable (chmod o+x) or set EmbeddedPostgres:DataDirectory to a folder it can reach.");
        }
    }

    private static Task<ProcessRunner.Result> RunServerToolAsync(string bin, string tool, IReadOnlyList<string> args, CancellationToken ct)
    {
        var path = Path.Combine(bin, tool);
        return RunningAsRoot
            ? ProcessRunner.RunAsync("runuser", ["-u", OsUser, "--", path, .. args], ct)
            : ProcessRunner.RunAsync(path, args, ct);
    }

    /// <summary>Finds the folder that holds initdb, pg_ctl and postgres.</summary>
    public static string LocateBinaries(string configured)
    {
        static bool Complete(string dir) =>
            File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")) && File.Exists(Path.Combine(dir, "postgres"));

        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Complete(configured)
                ? configured
                : throw new EmbeddedPostgresException(
                    $"EmbeddedPostgres:BinDirectory '{configured}' does not hold initdb, pg_ctl and postgres: fix the setting or clear it to search the usual places.");
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var pgCtl = Path.Combine(dir, "pg_ctl");
            if (!File.Exists(pgCtl))
            {
                continue;
            }

            var target = new FileInfo(pgCtl).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? pgCtl;
            var real = Path.GetDirectoryName(target)!;
            if (Complete(real))
            {
                return real;
            }
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var best = Directory.GetDirectories(debianRoot)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(x => Complete(x.Dir))
                .OrderByDescending(x => x.Version)
                .FirstOrDefault();
            if (best.Dir is not null)
            {
                return best.Dir;
            }
        }

        throw new EmbeddedPostgresException(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found: install them with 'apt-get install -y postgresql', set EmbeddedPostgres:BinDirectory, or configure ConnectionStrings:Governance to use an existing server.");
    }

    private static void OwnerOnly(string dir)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static bool PortIsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string LastLines(string logFile, ProcessRunner.Result result)
    {
        try
        {
            var lines = File.ReadAllLines(logFile).Where(l => l.Contains("FATAL", StringComparison.Ordinal) || l.Contains("ERROR", StringComparison.Ordinal)).TakeLast(2);
            var text = string.Join(" ", lines).Trim();
            if (text.Length > 0)
            {
                return text;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return FirstLine(result.StdErr + result.StdOut);
    }

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no output";

    private static void TryDelete(string dir, bool keepRoot)
    {
        try
        {
            if (!keepRoot)
            {
                Directory.Delete(dir, recursive: true);
                return;
            }

            foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
            {
                if (Directory.Exists(entry))
                {
                    Directory.Delete(entry, recursive: true);
                }
                else
                {
                    File.Delete(entry);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
