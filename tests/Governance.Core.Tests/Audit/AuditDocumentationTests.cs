using Governance.Core.Audit;
using Npgsql;

namespace Governance.Core.Tests.Audit;

/// <summary>The verification recipe in docs/audit.md is run as written, so the document cannot drift from the code.</summary>
public sealed class AuditDocumentationTests
{
    private static string DocumentedQuery()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, "docs", "audit.md");
            if (File.Exists(file))
            {
                var text = File.ReadAllText(file);
                var start = text.IndexOf("```sql", StringComparison.Ordinal) + "```sql".Length;
                return text[start..text.IndexOf("```", start, StringComparison.Ordinal)];
            }
        }

        throw new FileNotFoundException("docs/audit.md not found above the test binaries");
    }

    [Fact]
    public async Task DocumentedSql_RecomputesEveryHashAndLink_AndCatchesATamperedRow()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(25);
        await world.Log.AppendAsync(new AuditRecord(AuditActor.System("test"), "audit.view", AuditOutcome.Denied,
            Details: new Dictionary<string, object?> { ["from"] = DateTimeOffset.UtcNow, ["ids"] = new[] { 1, 2, 3 }, ["ok"] = true }), CancellationToken.None);
        await world.SealEverythingAsync();

        var rows = await RunAsync(world.Admin);
        Assert.Equal(26, rows.Count);
        Assert.All(rows, r => Assert.True(r.HashOk && r.LinkOk, $"position {r.Seq}"));

        await world.TamperAsync("update gov.audit_log set outcome = 'failure' where id = (select entry_id from gov.audit_chain where seq = 8)");
        var tampered = await RunAsync(world.Admin);
        Assert.Equal([8L], tampered.Where(r => !r.HashOk).Select(r => r.Seq));
    }

    private static async Task<List<(long Seq, bool HashOk, bool LinkOk)>> RunAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(DocumentedQuery(), connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(long, bool, bool)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetBoolean(1), reader.GetBoolean(2)));
        }

        return rows;
    }
}
