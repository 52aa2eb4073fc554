using Governance.Core.Database;
using Governance.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Governance.Core.Tests.Database;

public sealed class GovernanceMigratorTests
{
    [Fact]
    public async Task MigrateAsync_FreshThenAgain_AppliesEachScriptOnceAndJournalsIt()
    {
        var cs = await TestPostgres.CreateDatabaseAsync("migr");
        try
        {
            var migrator = new GovernanceMigrator(cs, NullLogger.Instance);
            Assert.Equal(GovernanceMigrator.AllScripts().Count, (await migrator.PendingAsync(CancellationToken.None)).Count);

            var first = await migrator.MigrateAsync(CancellationToken.None);
            var second = await migrator.MigrateAsync(CancellationToken.None);

            Assert.True(first.Successful, first.Error);
            Assert.Equal(GovernanceMigrator.AllScripts(), first.Applied);
            Assert.True(second.Successful);
            Assert.Empty(second.Applied);
            Assert.Empty(await migrator.PendingAsync(CancellationToken.None));
            // The journal, in the order it was written, against the migration files in the source tree, by name.
            var journal = await TestPostgres.ScalarAsync<string>(cs, "select string_agg(scriptname, '|' order by schemaversionsid) from gov.schema_versions");
            Assert.Equal(string.Join('|', ScriptFilesOnDisk().Select(f => "Governance.Core.Database.Migrations." + f)), journal);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(cs);
        }
    }

    [Fact]
    public async Task EveryScript_RunTwiceOutsideTheJournal_Succeeds()
    {
        var cs = await TestPostgres.CreateDatabaseAsync("idem");
        try
        {
            var assembly = typeof(GovernanceMigrator).Assembly;
            await using var connection = new NpgsqlConnection(cs);
            await connection.OpenAsync();
            foreach (var name in GovernanceMigrator.AllScripts())
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
                var sql = await reader.ReadToEndAsync();
                for (var i = 0; i < 2; i++)
                {
                    await using var command = new NpgsqlCommand(sql, connection);
                    await command.ExecuteNonQueryAsync();
                }
            }
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(cs);
        }
    }

    /// <summary>The .sql files of the migrations folder, ordered by name (their dates), read from the source tree.</summary>
    private static List<string> ScriptFilesOnDisk()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Governance.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        var files = Directory.GetFiles(Path.Combine(dir!.FullName, "src", "Governance.Core", "Database", "Migrations"), "*.sql")
            .Select(Path.GetFileName).Select(f => f!).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        return files;
    }

    [Fact]
    public void AllScripts_AreDatedAndOrdered()
    {
        var names = GovernanceMigrator.AllScripts().Select(n => n.Replace("Governance.Core.Database.Migrations.", "", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(names);
        Assert.All(names, n => Assert.Matches(@"^\d{4}-\d{2}-\d{2}-\d{4}-[a-z0-9-]+\.sql$", n));
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(ScriptFilesOnDisk(), names);
    }
}
