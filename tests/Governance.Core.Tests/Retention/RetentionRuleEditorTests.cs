using Dapper;
using Governance.Core.Audit;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Retention;
using Governance.Core.Validation;
using Governance.Tests.Support;
using Npgsql;

namespace Governance.Core.Tests.Retention;

/// <summary>
/// Changing the retention rules from the page: the file is rewritten only with a change that validates, by a privacy
/// officer, with a reason, over the text they opened; every version is kept with who, when and why (checked by SQL
/// and by reading the file), and a change made in the folder is recorded as a version of its own.
/// </summary>
public sealed class RetentionRuleEditorTests
{
    private static readonly AuditActor Officer = new(AuditActorType.User, "local:officer", ["PrivacyOfficer"]);
    private static readonly AuditActor OtherOfficer = new(AuditActorType.User, "local:officer-2", ["PrivacyOfficer"]);
    private static readonly AuditActor Lawyer = new(AuditActorType.User, "local:lawyer", ["Legal"]);

    private const string Rules = """
        # Records schedule RS-4 (kept as written by the change below).
        version: 1
        map: chat
        rules:
          - name: messages-two-years
            collection: messages
            age: P2Y
            action: delete
            schedule: "0 2 * * *"
            why: "RS-4: two years."

          - name: sessions-ninety-days
            collection: sessions
            age: P90D
            action: delete
            schedule: "30 2 * * *"
            why: "SP-2: ninety days."

        """;

    [Fact]
    public void RuleChange_RewritesOnlyItsValues_KeepsCommentsAndOtherRules_AndAddsApproval()
    {
        var changed = new RetentionRuleChange("P18M", "delete", "15 1 * * 1", true, "RS-4 v2: \"eighteen\" months.").ApplyTo(Rules, "messages-two-years");

        // Expected text written out by hand: the four values replaced in place, the approval added after the last key.
        Assert.Equal("""
            # Records schedule RS-4 (kept as written by the change below).
            version: 1
            map: chat
            rules:
              - name: messages-two-years
                collection: messages
                age: P18M
                action: delete
                schedule: "15 1 * * 1"
                why: "RS-4 v2: \"eighteen\" months."
                approval: true

              - name: sessions-ninety-days
                collection: sessions
                age: P90D
                action: delete
                schedule: "30 2 * * *"
                why: "SP-2: ninety days."

            """, changed);
        Assert.Null(new RetentionRuleChange("P1Y", "delete", "0 2 * * *", false, "x").ApplyTo(Rules, "no-such-rule"));
    }

    [Fact]
    public void LineDiff_NamesRemovedAndAddedLinesWithTheirNumbers()
    {
        var diff = LineDiff.Compare("a\nb\nc\nd\n", "a\nc\nx\nd\n");

        Assert.Equal(
            [(LineDiff.Kind.Same, (int?)1, (int?)1, "a"), (LineDiff.Kind.Removed, 2, null, "b"), (LineDiff.Kind.Same, 3, 2, "c"), (LineDiff.Kind.Added, null, 3, "x"), (LineDiff.Kind.Same, 4, 4, "d")],
            diff.Select(l => (l.Kind, l.OldNumber, l.NewNumber, l.Text)));
    }

    [Fact]
    public async Task Save_WritesTheFile_KeepsBothVersionsWithWhoAndWhy_AndAuditsIt()
    {
        await using var world = await EditorWorld.CreateAsync();
        var opened = await world.Editor.OpenAsync("rules.yaml", CancellationToken.None);
        var review = world.Editor.ReviewRuleChange("messages-two-years", new RetentionRuleChange("P18M", "delete", "0 2 * * *", false, "RS-4 v2: eighteen months."));

        var saved = await world.Editor.SaveAsync(review.File, review.BaseSha256, review.Proposed, "Records schedule RS-4 revised by the board on 2026-11-20.", Officer, CancellationToken.None);

        var onDisk = await File.ReadAllTextAsync(world.RulesFile);
        Assert.Contains("age: P18M", onDisk, StringComparison.Ordinal);
        Assert.Contains("# Records schedule RS-4", onDisk, StringComparison.Ordinal);
        var versions = (await world.Owner.QueryAsync<(int Version, string Source, string ChangedBy, string Reason, string Content)>(
            "select version, source, changed_by, reason, content from gov.retention_rule_versions where file = 'rules.yaml' order by version")).ToList();
        Assert.Equal([(1, "files", "system:files", Rules), (2, "console", "local:officer", onDisk)], versions.Select(v => (v.Version, v.Source, v.ChangedBy, v.Content)));
        Assert.Equal("Records schedule RS-4 revised by the board on 2026-11-20.", versions[1].Reason);
        Assert.Equal((2, opened.Sha256), (saved.Version, RetentionRuleEditor.Sha256(Rules)));
        Assert.Equal(1L, await world.Owner.ExecuteScalarAsync<long>(
            "select count(*) from gov.audit_log where action = 'retention.rules.change' and outcome = 'success' and actor_id = 'local:officer' and target_id = 'rules.yaml' and details->>'version' = '2'"));
        Assert.Equal("P18M", world.Catalog.Load().Find("messages-two-years")!.Age.Text);
    }

    [Theory]
    [InlineData("age: P2Y", "age: -P2Y", "rules.yaml:7")]
    [InlineData("collection: sessions", "collection: session_logs", "rules.yaml:13")]
    [InlineData("schedule: \"0 2 * * *\"", "schedule: \"0 0 30 2 *\"", "rules.yaml:9")]
    public async Task Save_OfRulesThatDoNotValidate_IsRefusedWithTheLine_AndChangesNothing(string line, string replacement, string where)
    {
        await using var world = await EditorWorld.CreateAsync();
        var opened = await world.Editor.OpenAsync("rules.yaml", CancellationToken.None);
        var proposed = Rules.Replace(line, replacement, StringComparison.Ordinal);

        var review = world.Editor.Review("rules.yaml", opened.Sha256, proposed);
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            world.Editor.SaveAsync("rules.yaml", opened.Sha256, proposed, "Trying a bad change on purpose.", Officer, CancellationToken.None));

        Assert.False(review.Valid);
        Assert.Contains(review.Problems, p => p.ToString().Contains(where, StringComparison.Ordinal));
        Assert.Contains(where, error.Messages(), StringComparison.Ordinal);
        Assert.Equal(Rules, await File.ReadAllTextAsync(world.RulesFile));
        Assert.Equal(1L, await world.Owner.ExecuteScalarAsync<long>("select count(*) from gov.retention_rule_versions"));
    }

    [Fact]
    public async Task Save_ByALawyer_OrWithoutAReason_OrOverAFileEditedMeanwhile_IsRefused_AndChangesNothing()
    {
        await using var world = await EditorWorld.CreateAsync();
        var opened = await world.Editor.OpenAsync("rules.yaml", CancellationToken.None);
        var proposed = Rules.Replace("age: P2Y", "age: P3Y", StringComparison.Ordinal);

        var lawyer = await Assert.ThrowsAsync<ValidationException>(() => world.Editor.SaveAsync("rules.yaml", opened.Sha256, proposed, "Longer, for the litigation.", Lawyer, CancellationToken.None));
        var noReason = await Assert.ThrowsAsync<ValidationException>(() => world.Editor.SaveAsync("rules.yaml", opened.Sha256, proposed, "  ", Officer, CancellationToken.None));
        var traversal = await Assert.ThrowsAsync<ValidationException>(() => world.Editor.SaveAsync("../datamap/chat.yaml", opened.Sha256, proposed, "Reaching outside the folder.", Officer, CancellationToken.None));
        await File.WriteAllTextAsync(world.RulesFile, Rules.Replace("age: P90D", "age: P60D", StringComparison.Ordinal)); // edited in the folder meanwhile
        var stale = await Assert.ThrowsAsync<ValidationException>(() => world.Editor.SaveAsync("rules.yaml", opened.Sha256, proposed, "Three years from now on.", Officer, CancellationToken.None));

        Assert.Equal(["file"], lawyer.Errors.Keys);
        Assert.Equal(["reason"], noReason.Errors.Keys);
        Assert.Equal(["file"], traversal.Errors.Keys);
        Assert.Contains("changed since you opened it", stale.Messages(), StringComparison.Ordinal);
        Assert.Contains("age: P60D", await File.ReadAllTextAsync(world.RulesFile), StringComparison.Ordinal);
        Assert.Equal(1L, await world.Owner.ExecuteScalarAsync<long>("select count(*) from gov.retention_rule_versions"));
        Assert.Equal(1L, await world.Owner.ExecuteScalarAsync<long>("select count(*) from gov.audit_log where action = 'retention.rules.change' and outcome = 'denied' and actor_id = 'local:lawyer'"));
    }

    [Fact]
    public async Task AFileEditedInTheFolder_IsRecordedAsAVersionOfItsOwn_OnceOnly()
    {
        await using var world = await EditorWorld.CreateAsync();
        await world.Editor.OpenAsync("rules.yaml", CancellationToken.None);
        var edited = Rules.Replace("age: P90D", "age: P60D", StringComparison.Ordinal);
        await File.WriteAllTextAsync(world.RulesFile, edited);

        await world.Editor.OpenAsync("rules.yaml", CancellationToken.None);
        var history = await world.Editor.OpenAsync("rules.yaml", CancellationToken.None);

        Assert.Equal([(2, "files", edited), (1, "files", Rules)], history.Versions.Select(v => (v.Version, v.Source, v.Content)));
        Assert.Equal(2L, await world.Owner.ExecuteScalarAsync<long>("select count(*) from gov.audit_log where action = 'retention.rules.found' and target_id = 'rules.yaml'"));
    }

    [Fact]
    public async Task TwoOfficersSavingOverTheSameVersionAtOnce_OneWins_TheOtherIsToldItChanged()
    {
        await using var world = await EditorWorld.CreateAsync();
        var opened = await world.Editor.OpenAsync("rules.yaml", CancellationToken.None);
        var first = Rules.Replace("age: P2Y", "age: P3Y", StringComparison.Ordinal);
        var second = Rules.Replace("age: P90D", "age: P30D", StringComparison.Ordinal);

        // Two editors, each with its own connections to the database, released together.
        var otherEditor = world.NewEditor();
        using var start = new ManualResetEventSlim();
        var saves = new[] { (world.Editor, first, Officer), (otherEditor, second, OtherOfficer) }.Select(s => Task.Run(async () =>
        {
            start.Wait();
            try
            {
                await s.Item1.SaveAsync("rules.yaml", opened.Sha256, s.Item2, "Changed in the same minute as a colleague.", s.Item3, CancellationToken.None);
                return s.Item2;
            }
            catch (ValidationException ex) when (ex.Messages().Contains("changed since you opened it", StringComparison.Ordinal))
            {
                return null;
            }
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(saves);

        var winner = Assert.Single(results.OfType<string>());
        Assert.Equal(winner, await File.ReadAllTextAsync(world.RulesFile));
        Assert.Equal([1, 2], await world.Owner.QueryAsync<int>("select version from gov.retention_rule_versions order by version"));
        Assert.Equal(winner, await world.Owner.ExecuteScalarAsync<string>("select content from gov.retention_rule_versions where version = 2"));
    }

    /// <summary>A migrated governance database and a policies folder with the repository's data maps and <see cref="Rules"/>.</summary>
    private sealed class EditorWorld : IAsyncDisposable
    {
        private readonly string _admin;
        private readonly string _folder;
        private readonly List<GovernanceDatabase> _databases = [];
        private readonly ChatStoreRegistry _stores = new([]);

        private EditorWorld(string admin, string app, string folder)
        {
            _admin = admin;
            _folder = folder;
            App = app;
            Owner = new NpgsqlConnection(admin);
            var options = Microsoft.Extensions.Options.Options.Create(new DataMapOptions { Directory = Path.Combine(folder, "datamap") });
            Catalog = new RetentionCatalog(options, new DataMapCatalog(options));
            Editor = NewEditor();
        }

        public string App { get; }

        public NpgsqlConnection Owner { get; }

        public RetentionCatalog Catalog { get; }

        public RetentionRuleEditor Editor { get; }

        public string RulesFile => Path.Combine(_folder, "retention", "rules.yaml");

        public static async Task<EditorWorld> CreateAsync()
        {
            var (admin, app) = await MigratedDatabase.CreateAsync("retedit");
            var folder = Path.Combine(Path.GetTempPath(), $"retedit-{Guid.NewGuid():N}");
            Directory.CreateDirectory(Path.Combine(folder, "datamap"));
            foreach (var file in Directory.GetFiles(RepositoryFolders.Policies(), "*.yaml"))
            {
                File.Copy(file, Path.Combine(folder, "datamap", Path.GetFileName(file)));
            }

            Directory.CreateDirectory(Path.Combine(folder, "retention"));
            await File.WriteAllTextAsync(Path.Combine(folder, "retention", "rules.yaml"), Rules);
            var world = new EditorWorld(admin, app, folder);
            await world.Owner.OpenAsync();
            return world;
        }

        public RetentionRuleEditor NewEditor()
        {
            var database = new GovernanceDatabase(NpgsqlDataSource.Create(App));
            _databases.Add(database);
            return new RetentionRuleEditor(database, Catalog, _stores, new AuditLog(database, new AuditSealSignal()));
        }

        public async ValueTask DisposeAsync()
        {
            await Owner.DisposeAsync();
            foreach (var database in _databases)
            {
                await database.DisposeAsync();
            }

            await _stores.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await TestPostgres.DropDatabaseAsync(_admin);
            Directory.Delete(_folder, recursive: true);
        }
    }
}
