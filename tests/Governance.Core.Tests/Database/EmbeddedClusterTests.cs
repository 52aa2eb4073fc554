using Governance.Core.Database.Embedded;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Governance.Core.Tests.Database;

public sealed class EmbeddedClusterTests : IDisposable
{
    private readonly string _work;

    public EmbeddedClusterTests()
    {
        var parent = Environment.GetEnvironmentVariable("GOV_TEST_WORK") ?? Path.GetTempPath();
        _work = Path.Combine(parent, "cluster-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_work);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_work, (UnixFileMode)0b111_101_101);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private EmbeddedCluster Cluster(string name, EmbeddedPostgresOptions? options = null) =>
        new(Path.Combine(_work, name), options ?? new EmbeddedPostgresOptions { Durable = false }, NullLogger.Instance);

    [Fact]
    public async Task StartAsync_NewFolder_InitialisesStartsAnswersAndStops()
    {
        var cluster = Cluster("pg");
        Assert.False(cluster.IsInitialized);

        var port = await cluster.StartAsync(CancellationToken.None);
        try
        {
            Assert.True(cluster.IsInitialized);
            Assert.Equal(port, cluster.RunningPort());
            Assert.Equal(port, await cluster.StartAsync(CancellationToken.None)); // starting again is a no-op

            await using var connection = new NpgsqlConnection(cluster.SuperUserConnectionString(port, "postgres"));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("show listen_addresses", connection);
            Assert.Equal("127.0.0.1", await command.ExecuteScalarAsync());
            await AssertAsksForPasswordsAsync(cluster, port);
        }
        finally
        {
            Assert.True(await cluster.StopAsync(CancellationToken.None));
        }

        Assert.Null(cluster.RunningPort());
        Assert.False(await cluster.StopAsync(CancellationToken.None));
    }

    [Fact]
    public async Task StartAsync_TwoAtOnceOnANewFolder_InitialiseAndStartOneServer_BothGetItsPort()
    {
        // Two clusters on one folder stand for two processes of the console started at the same moment.
        var first = Cluster("pg-race");
        var second = Cluster("pg-race");

        var ports = await Task.WhenAll(Task.Run(() => first.StartAsync(CancellationToken.None)), Task.Run(() => second.StartAsync(CancellationToken.None)));
        try
        {
            Assert.Equal(ports[0], ports[1]);
            Assert.Equal(ports[0], first.RunningPort());
            await using var connection = new NpgsqlConnection(first.SuperUserConnectionString(ports[0], "postgres"));
            await connection.OpenAsync();
        }
        finally
        {
            Assert.True(await first.StopAsync(CancellationToken.None));
        }
    }

    [Fact]
    public async Task StartAsync_ClusterThatTrustedEveryone_AsksEveryRoleForItsPasswordFromThatStartOn()
    {
        // A cluster as an earlier version made it: every local connection trusted as any role, no password file.
        var cluster = Cluster("pg-legacy");
        await cluster.StartAsync(CancellationToken.None);
        await cluster.StopAsync(CancellationToken.None);
        var hba = Path.Combine(cluster.DataDirectory, "pg_hba.conf");
        await File.WriteAllTextAsync(hba, (await File.ReadAllTextAsync(hba)).Replace("scram-sha-256", "trust", StringComparison.Ordinal));
        File.Delete(cluster.Secrets.PathOf(EmbeddedCluster.SuperUser));
        Assert.Contains(File.ReadAllLines(hba), l => l.StartsWith("host", StringComparison.Ordinal) && l.EndsWith("trust", StringComparison.Ordinal));

        var port = await cluster.StartAsync(CancellationToken.None);
        try
        {
            await AssertAsksForPasswordsAsync(cluster, port);
            await using var connection = new NpgsqlConnection(cluster.SuperUserConnectionString(port, "postgres"));
            await connection.OpenAsync();
            Assert.DoesNotContain(File.ReadAllLines(hba), l => !l.StartsWith('#') && l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).LastOrDefault() == "trust");
        }
        finally
        {
            await cluster.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task StartAsync_PasswordFileLostOnAClusterThatAsksForIt_SaysWhereItWasAndWhatToDo()
    {
        var cluster = Cluster("pg-lost");
        await cluster.StartAsync(CancellationToken.None);
        await cluster.StopAsync(CancellationToken.None);
        File.Delete(cluster.Secrets.PathOf(EmbeddedCluster.SuperUser));

        var error = await Assert.ThrowsAsync<EmbeddedPostgresException>(() => cluster.StartAsync(CancellationToken.None));
        await cluster.StopAsync(CancellationToken.None);

        Assert.Contains(cluster.Secrets.PathOf(EmbeddedCluster.SuperUser), error.Message, StringComparison.Ordinal);
        Assert.Contains("restore it", error.Message, StringComparison.Ordinal);
    }

    /// <summary>No role gets in without its password (none, or a wrong one); the superuser's file is the owner's alone.</summary>
    private static async Task AssertAsksForPasswordsAsync(EmbeddedCluster cluster, int port)
    {
        foreach (var password in new[] { null, "not-the-password" })
        {
            await using var connection = new NpgsqlConnection(EmbeddedCluster.ConnectionString(port, "postgres", EmbeddedCluster.SuperUser, password) + ";Pooling=false");
            var refused = await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync());
            Assert.True(refused is PostgresException { SqlState: "28P01" } || refused.Message.Contains("password", StringComparison.OrdinalIgnoreCase), refused.Message);
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cluster.Secrets.PathOf(EmbeddedCluster.SuperUser)));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(cluster.Secrets.Folder));
        }
    }

    [Fact]
    public async Task StartAsync_ConfiguredPortInUse_SaysWhichPortAndLeavesNoServer()
    {
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        var busy = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;
        var cluster = Cluster("busy", new EmbeddedPostgresOptions { Port = busy, Durable = false });

        var error = await Assert.ThrowsAsync<EmbeddedPostgresException>(() => cluster.StartAsync(CancellationToken.None));

        Assert.Contains($"Port {busy}", error.Message, StringComparison.Ordinal);
        Assert.Contains("EmbeddedPostgres:Port", error.Message, StringComparison.Ordinal);
        Assert.Null(cluster.RunningPort());
    }

    [Fact]
    public async Task StartAsync_BinariesMissing_SaysHowToInstallAndCreatesNothing()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_work, "no-bin")).FullName;
        var cluster = Cluster("never", new EmbeddedPostgresOptions { BinDirectory = empty });

        var error = await Assert.ThrowsAsync<EmbeddedPostgresException>(() => cluster.StartAsync(CancellationToken.None));

        Assert.Contains("initdb", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(cluster.DataDirectory));
    }

    [Fact]
    public async Task StartAsync_FolderHoldsOtherFiles_RefusesAndLeavesThemAlone()
    {
        var cluster = Cluster("occupied");
        Directory.CreateDirectory(cluster.DataDirectory);
        var keep = Path.Combine(cluster.DataDirectory, "notes.txt");
        await File.WriteAllTextAsync(keep, "not a cluster");

        var error = await Assert.ThrowsAsync<EmbeddedPostgresException>(() => cluster.StartAsync(CancellationToken.None));

        Assert.Contains("holds no PostgreSQL cluster", error.Message, StringComparison.Ordinal);
        Assert.Equal("not a cluster", await File.ReadAllTextAsync(keep));
    }
}
