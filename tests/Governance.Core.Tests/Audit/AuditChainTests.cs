using Governance.Core.Audit;
using Governance.Tests.Support;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Governance.Core.Tests.Audit;

public sealed class AuditChainTests
{
    [Fact]
    public async Task Append_EightConcurrentWritersOfAThousand_GiveOneUnbrokenChainOf8000()
    {
        await using var world = await AuditWorld.CreateAsync();
        using var stop = new CancellationTokenSource();
        var sealing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await world.Sealer.SealAllAsync(CancellationToken.None);
                await Task.Delay(5);
            }
        });

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                await world.Log.AppendAsync(AuditWorld.Record(w * 1_000 + i), CancellationToken.None);
            }
        })));
        await stop.CancelAsync();
        await sealing;
        await world.SealEverythingAsync();

        var result = await world.Verifier.VerifyAsync(null, null, CancellationToken.None);
        Assert.True(result.Intact, result.Summary);
        Assert.Equal(8_000, result.Checked);
        Assert.Equal(8_000, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(distinct entry_id) from gov.audit_chain"));
        Assert.Equal(8_000, await TestPostgres.ScalarAsync<long>(world.Admin, "select max(seq) from gov.audit_chain"));
        Assert.Equal(0, (await new AuditChainStatus(world.Database).GetAsync(CancellationToken.None)).Unsealed);
    }

    [Fact]
    public async Task Append_InATransactionThatRollsBack_LeavesNoEntryAndAnIntactChain()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(3);
        await using (var connection = await world.Database.OpenAsync(CancellationToken.None))
        {
            await using var tx = await connection.BeginTransactionAsync();
            await world.Log.AppendAsync(connection, tx, AuditWorld.Record(99), CancellationToken.None);
            await tx.RollbackAsync();
        }

        await world.AppendSealedAsync(2);

        var result = await world.Verifier.VerifyAsync(null, null, CancellationToken.None);
        Assert.True(result.Intact, result.Summary);
        Assert.Equal(5, result.Checked);
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from gov.audit_log where target_id = 'req-99'"));
    }

    [Theory]
    [InlineData("update gov.audit_log set outcome = 'failure' where id = 1")]
    [InlineData("delete from gov.audit_log where id = 1")]
    [InlineData("update gov.audit_chain set hash = prev_hash where seq = 1")]
    [InlineData("delete from gov.audit_chain where seq = 1")]
    [InlineData("truncate gov.audit_chain")]
    [InlineData("truncate gov.audit_log cascade")]
    [InlineData("insert into gov.audit_chain (seq, entry_id, entry_txid, prev_hash, hash) select 99, 99, '1'::xid8, hash, hash from gov.audit_chain where seq = 1")]
    [InlineData("insert into gov.audit_checkpoints (seq, hash) select 2, hash from gov.audit_chain where seq = 1")]
    public async Task AppRole_CannotUpdateDeleteOrTruncate(string sql)
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(2);

        await using var connection = await world.Database.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand(sql, connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.True((await world.Verifier.VerifyAsync(null, null, CancellationToken.None)).Intact);
    }

    [Theory]
    [InlineData("update gov.audit_log set action = 'auth.sign-out' where id = 1")]
    [InlineData("delete from gov.audit_chain where seq = 2")]
    [InlineData("truncate gov.audit_log cascade")]
    [InlineData("truncate gov.audit_checkpoints")]
    [InlineData("delete from gov.audit_checkpoints")]
    public async Task Owner_WithTriggersOn_IsRefusedToo(string sql)
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(3);
        await world.Verifier.RecordCheckpointAsync(await world.Verifier.VerifyAsync(null, null, CancellationToken.None), CancellationToken.None);

        await using var connection = new NpgsqlConnection(world.Admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_RowModifiedBySuperuser_IsNamedAtItsPosition()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(20);
        await world.TamperAsync("update gov.audit_log set details = '{\"step\": 999}' where id = (select entry_id from gov.audit_chain where seq = 13)");

        var result = await world.Verifier.VerifyAsync(null, null, CancellationToken.None);

        Assert.Equal((13L, AuditProblem.Modified), (result.FirstBadPosition, result.Problem));
        Assert.Equal(12, result.Checked);
    }

    [Fact]
    public async Task Verify_EntriesInChineseAndEmoji_AreIntact_AndOneChangedCharacterIsNamed()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(3);
        // Written as the owner: the console's own entries hold identifiers only, but the chain covers whatever is stored.
        await world.TamperAsync("""
            insert into gov.audit_log (actor_type, actor_id, actor_roles, action, target_type, target_id, outcome, details)
            values ('user', 'oidc:张伟', '隐私官', 'hold.create', 'legal-hold', 'LH-调查', 'success', '{"matter": "调查 🔍 ü"}')
            """);
        await world.AppendSealedAsync(3);

        var intact = await world.Verifier.VerifyAsync(null, null, CancellationToken.None);
        await world.TamperAsync("update gov.audit_log set target_id = 'LH-调杳' where target_id = 'LH-调查'"); // one character, same byte length

        var tampered = await world.Verifier.VerifyAsync(null, null, CancellationToken.None);

        Assert.Equal((AuditProblem.None, 7L), (intact.Problem, intact.Checked));
        Assert.Equal((4L, AuditProblem.Modified), (tampered.FirstBadPosition, tampered.Problem));
    }

    [Fact]
    public async Task Verify_EntryDeletedBySuperuser_IsNamedAtItsPosition()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(20);
        await world.TamperAsync("delete from gov.audit_log where id = (select entry_id from gov.audit_chain where seq = 7)");

        var result = await world.Verifier.VerifyAsync(null, null, CancellationToken.None);

        Assert.Equal((7L, AuditProblem.EntryDeleted), (result.FirstBadPosition, result.Problem));
    }

    [Fact]
    public async Task Verify_EntryAndChainRowDeletedBySuperuser_IsAMissingPosition()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(20);
        await world.TamperAsync("""
            with gone as (delete from gov.audit_chain where seq = 9 returning entry_id)
            delete from gov.audit_log where id in (select entry_id from gone)
            """);

        var result = await world.Verifier.VerifyAsync(null, null, CancellationToken.None);

        Assert.Equal((9L, AuditProblem.Missing), (result.FirstBadPosition, result.Problem));
    }

    [Fact]
    public async Task Verify_DeletedAndRenumbered_IsABrokenLinkWhereTheGapWas()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(20);
        await world.TamperAsync("""
            delete from gov.audit_chain where seq = 9;
            update gov.audit_chain set seq = seq + 1000000 where seq > 9;
            update gov.audit_chain set seq = seq - 1000000 - 1 where seq > 1000000;
            """);

        var result = await world.Verifier.VerifyAsync(null, null, CancellationToken.None);

        Assert.Equal((9L, AuditProblem.BrokenLink), (result.FirstBadPosition, result.Problem));
    }

    [Fact]
    public async Task Verify_ForgedEntryInsertedWithAValidHash_IsNamedAtTheInsertedPosition()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(20);
        // The forger knows the algorithm: the forged entry's own hash is right; it cannot fix the next link without rewriting everything after it.
        await world.TamperAsync("update gov.audit_chain set seq = seq + 1000000 where seq >= 11; update gov.audit_chain set seq = seq - 1000000 + 1 where seq > 1000000;");
        long forgedId;
        await using (var connection = new NpgsqlConnection(world.Admin))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand(
                "set session_replication_role = replica; insert into gov.audit_log (actor_type, actor_id, action, outcome) values ('user', 'local:1', 'hold.release', 'success') returning id",
                connection);
            forgedId = (long)(await insert.ExecuteScalarAsync())!;
            await using var read = new NpgsqlCommand($"select {Governance.Core.Audit.AuditEntryReader.Columns}, (select hash from gov.audit_chain where seq = 10) from gov.audit_log e where e.id = {forgedId}", connection);
            await using var reader = await read.ExecuteReaderAsync();
            await reader.ReadAsync();
            var entry = AuditEntryReader.Read(reader, 0);
            var prev = reader.GetFieldValue<byte[]>(12);
            await reader.CloseAsync();
            var hash = AuditCanonical.Hash(11, prev, entry);
            await using var chain = new NpgsqlCommand("set session_replication_role = replica; insert into gov.audit_chain (seq, entry_id, prev_hash, hash) values (11, @id, @prev, @hash)", connection);
            chain.Parameters.AddWithValue("id", forgedId);
            chain.Parameters.AddWithValue("prev", prev);
            chain.Parameters.AddWithValue("hash", hash);
            await chain.ExecuteNonQueryAsync();
        }

        var result = await world.Verifier.VerifyAsync(null, null, CancellationToken.None);

        Assert.Equal((11L, AuditProblem.Inserted), (result.FirstBadPosition, result.Problem));
        // The inserted position is neither counted as checked nor reported as the last good hash.
        Assert.Equal(10, result.Checked);
        Assert.Equal(await TestPostgres.ScalarAsync<byte[]>(world.Admin, "select hash from gov.audit_chain where seq = 10"), result.HeadHash);
    }

    [Fact]
    public async Task Verify_TwoChainRowsSwapped_IsNamedAtTheFirstOfThem()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(20);
        await world.TamperAsync("""
            update gov.audit_chain set seq = 1000005 where seq = 5;
            update gov.audit_chain set seq = 5 where seq = 6;
            update gov.audit_chain set seq = 6 where seq = 1000005;
            """);

        var result = await world.Verifier.VerifyAsync(null, null, CancellationToken.None);

        Assert.Equal((5L, AuditProblem.BrokenLink), (result.FirstBadPosition, result.Problem));
    }

    [Fact]
    public async Task Verify_ContentsOfTwoEntriesSwapped_IsNamedAtTheFirstOfThem()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(20);
        await world.TamperAsync("""
            update gov.audit_log e set target_id = s.other, request_id = s.other, details = s.other_details
            from (select a.id, b.target_id as other, b.details as other_details
                  from gov.audit_chain ca join gov.audit_log a on a.id = ca.entry_id
                  join gov.audit_chain cb on cb.seq = case ca.seq when 5 then 6 else 5 end
                  join gov.audit_log b on b.id = cb.entry_id
                  where ca.seq in (5, 6)) s
            where e.id = s.id;
            """);

        var result = await world.Verifier.VerifyAsync(null, null, CancellationToken.None);

        Assert.Equal((5L, AuditProblem.Modified), (result.FirstBadPosition, result.Problem));
    }

    [Fact]
    public async Task Verify_TailCutAfterACheckpoint_IsTruncation()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(12);
        await world.Verifier.RecordCheckpointAsync(await world.Verifier.VerifyAsync(null, null, CancellationToken.None), CancellationToken.None);
        await world.TamperAsync("""
            with gone as (delete from gov.audit_chain where seq > 10 returning entry_id)
            delete from gov.audit_log where id in (select entry_id from gone)
            """);

        var result = await world.Verifier.VerifyAsync(null, null, CancellationToken.None);

        Assert.Equal((11L, AuditProblem.Truncated), (result.FirstBadPosition, result.Problem));
    }

    [Theory]
    [InlineData("'3'")]
    [InlineData("'999999999999'")]
    public async Task Verify_EntryWhoseTransactionIdWasAlteredToEscapeSealing_IsReportedAsUnchained(string txid)
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(4);
        var hidden = await world.Log.AppendAsync(AuditWorld.Record(5), CancellationToken.None);
        await world.TamperAsync($"update gov.audit_log set txid = {txid}::xid8 where id = {hidden}");
        for (var i = 6; i <= 7; i++)
        {
            await world.Log.AppendAsync(AuditWorld.Record(i), CancellationToken.None);
        }

        await world.SealUntilPositionAsync(6); // the hidden entry never joins
        Assert.Equal(0, await world.Sealer.SealAllAsync(CancellationToken.None));

        var result = await world.Verifier.VerifyAsync(null, null, CancellationToken.None);

        Assert.Equal(AuditProblem.Unchained, result.Problem);
        Assert.Contains($"Entry {hidden} ", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seal_EntryOfAnOpenTransaction_WaitsForItAndIsSealedBeforeLaterOnes()
    {
        await using var world = await AuditWorld.CreateAsync();
        await using var slow = await world.Database.OpenAsync(CancellationToken.None);
        await using var tx = await slow.BeginTransactionAsync();
        var first = await world.Log.AppendAsync(slow, tx, AuditWorld.Record(1), CancellationToken.None);
        var second = await world.Log.AppendAsync(AuditWorld.Record(2), CancellationToken.None);

        Assert.Equal(0, await world.Sealer.SealAllAsync(CancellationToken.None)); // the open transaction holds the horizon

        await tx.CommitAsync();
        await world.SealEverythingAsync();
        Assert.Equal(first, await TestPostgres.ScalarAsync<long>(world.Admin, "select entry_id from gov.audit_chain where seq = 1"));
        Assert.Equal(second, await TestPostgres.ScalarAsync<long>(world.Admin, "select entry_id from gov.audit_chain where seq = 2"));
        Assert.True((await world.Verifier.VerifyAsync(null, null, CancellationToken.None)).Intact);
    }

    [Fact]
    public async Task Verify_Range_ChecksOnlyThoseAndLinksToThePositionBefore()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(30);
        await world.TamperAsync("update gov.audit_log set outcome = 'denied' where id = (select entry_id from gov.audit_chain where seq = 25)");

        var early = await world.Verifier.VerifyAsync(5, 20, CancellationToken.None);
        var late = await world.Verifier.VerifyAsync(21, 30, CancellationToken.None);

        Assert.True(early.Intact, early.Summary);
        Assert.Equal(16, early.Checked);
        Assert.Equal((25L, AuditProblem.Modified), (late.FirstBadPosition, late.Problem));
    }

    [Fact]
    public async Task VerifyAuditChain_Broken_RaisesOneCriticalAlertAndAuditsTheRun()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(6);
        await world.TamperAsync("update gov.audit_log set actor_id = 'local:666' where id = (select entry_id from gov.audit_chain where seq = 3)");
        var use = new VerifyAuditChain(world.Sealer, world.Verifier, world.Alerts, world.Log, Microsoft.Extensions.Logging.Abstractions.NullLogger<VerifyAuditChain>.Instance);

        var first = await use.RunAsync(AuditActor.Job("test"), null, null, CancellationToken.None);
        await use.RunAsync(AuditActor.Job("test"), null, null, CancellationToken.None);

        Assert.False(first.Intact);
        var open = await world.Alerts.OpenAsync(10, CancellationToken.None);
        var alert = Assert.Single(open);
        Assert.Equal((AlertStore.ChainBrokenRule, "critical"), (alert.Rule, alert.Severity));
        Assert.Contains("Position 3", alert.Summary, StringComparison.Ordinal);
        Assert.Equal(2, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from gov.audit_log where action = 'audit.verify' and outcome = 'failure'"));
    }

    [Fact]
    public async Task ABreak_StaysOnTheStatusAfterItsAlertIsResolved_UntilAVerificationCoveringItsPositionPasses()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(12);
        var original = await TestPostgres.ScalarAsync<string>(world.Admin, "select actor_id from gov.audit_log where id = (select entry_id from gov.audit_chain where seq = 3)");
        await world.TamperAsync("update gov.audit_log set actor_id = 'local:666' where id = (select entry_id from gov.audit_chain where seq = 3)");
        var use = new VerifyAuditChain(world.Sealer, world.Verifier, world.Alerts, world.Log, Microsoft.Extensions.Logging.Abstractions.NullLogger<VerifyAuditChain>.Instance);
        var status = new AuditChainStatus(world.Database);
        var job = AuditActor.Job("test");

        await use.RunAsync(job, null, null, CancellationToken.None);
        var found = await status.GetAsync(CancellationToken.None);
        var alert = Assert.Single(await world.Alerts.OpenAsync(10, CancellationToken.None));
        await world.Alerts.ResolveAsync(alert.Id, "Investigated with the database team; restoring from the backup.", new AuditActor(AuditActorType.User, "local:officer", ["PrivacyOfficer"]), CancellationToken.None);
        var afterResolving = await status.GetAsync(CancellationToken.None);
        await use.RunAsync(job, 5, 10, CancellationToken.None); // passes, but does not cover position 3
        var afterOtherRange = await status.GetAsync(CancellationToken.None);
        await world.TamperAsync($"update gov.audit_log set actor_id = '{original}' where id = (select entry_id from gov.audit_chain where seq = 3)"); // restored
        await use.RunAsync(job, 1, 4, CancellationToken.None);
        var afterCovering = await status.GetAsync(CancellationToken.None);

        Assert.Equal((3L, true), (found.BrokenAt, found.OpenAlert is not null));
        Assert.Equal((3L, null), (afterResolving.BrokenAt, afterResolving.OpenAlert));
        Assert.Equal((3L, true), (afterOtherRange.BrokenAt, afterOtherRange.LastIntact));
        Assert.Null(afterCovering.BrokenAt);
    }

    [Fact]
    public async Task VerifyAuditChain_Intact_KeepsACheckpointOfTheHead()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(6);
        var use = new VerifyAuditChain(world.Sealer, world.Verifier, world.Alerts, world.Log, Microsoft.Extensions.Logging.Abstractions.NullLogger<VerifyAuditChain>.Instance);

        var result = await use.RunAsync(AuditActor.Job("test"), null, null, CancellationToken.None);

        Assert.True(result.Intact);
        Assert.Equal(6, await TestPostgres.ScalarAsync<long>(world.Admin, "select max(seq) from gov.audit_checkpoints"));
        Assert.Empty(await world.Alerts.OpenAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task VerifyAuditChain_RangeStartingPastTheHead_HasNothingToCheck_AndRaisesNoAlarm()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(8);
        var use = new VerifyAuditChain(world.Sealer, world.Verifier, world.Alerts, world.Log, Microsoft.Extensions.Logging.Abstractions.NullLogger<VerifyAuditChain>.Instance);

        var result = await use.RunAsync(AuditActor.Job("test"), 10, null, CancellationToken.None);

        Assert.True(result.Intact, result.Summary);
        Assert.Equal(0, result.Checked);
        Assert.StartsWith("Nothing to check", result.Summary, StringComparison.Ordinal);
        Assert.Empty(await world.Alerts.OpenAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task Seal_AfterTheHeadsLogRowWasDeleted_GoesOn_AndVerificationNamesTheDeletion()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(5);
        await world.TamperAsync("delete from gov.audit_log where id = (select entry_id from gov.audit_chain where seq = 5)");
        for (var i = 6; i <= 8; i++)
        {
            await world.Log.AppendAsync(AuditWorld.Record(i), CancellationToken.None);
        }

        // Before the chain kept the head's transaction id, this recomputed position 5 and failed on its key for ever.
        await world.SealUntilPositionAsync(8);

        Assert.Equal(8, await TestPostgres.ScalarAsync<long>(world.Admin, "select max(seq) from gov.audit_chain"));
        var result = await world.Verifier.VerifyAsync(null, null, CancellationToken.None);
        Assert.Equal((5L, AuditProblem.EntryDeleted), (result.FirstBadPosition, result.Problem));
    }

    [Fact]
    public async Task Seal_TwoSealersAtOnce_WithWritersRunning_GiveOneUnbrokenChainAndNoError()
    {
        await using var world = await AuditWorld.CreateAsync();
        var other = new AuditSealer(world.Database);
        using var stop = new CancellationTokenSource();
        async Task<long> Loop(AuditSealer sealer)
        {
            long total = 0;
            while (!stop.IsCancellationRequested)
            {
                total += await sealer.SealAsync(50, CancellationToken.None);
            }

            return total;
        }

        var sealers = new[] { Task.Run(() => Loop(world.Sealer)), Task.Run(() => Loop(other)) };
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 300; i++)
            {
                await world.Log.AppendAsync(AuditWorld.Record(w * 300 + i), CancellationToken.None);
            }
        })));
        await stop.CancelAsync();
        var sealedBy = await Task.WhenAll(sealers);
        await world.SealEverythingAsync();

        var result = await world.Verifier.VerifyAsync(null, null, CancellationToken.None);
        Assert.True(result.Intact, result.Summary);
        Assert.Equal(1_200, result.Checked);
        Assert.Equal(1_200, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from gov.audit_log"));
        Assert.True(sealedBy.Sum() > 0);
    }

    [Fact]
    public async Task VerifyAsync_ACheckpointRecordedWhileItReads_IsNotTakenForTruncation()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(10);
        var hash = await TestPostgres.ScalarAsync<byte[]>(world.Admin, "select hash from gov.audit_chain where seq = 10");

        // Hold the verification after it has read the head (10): its walk needs the log, which another session locks.
        await using var blocker = new NpgsqlConnection(world.Admin);
        await blocker.OpenAsync();
        await using var tx = await blocker.BeginTransactionAsync();
        await using (var lockLog = new NpgsqlCommand("lock table gov.audit_log in access exclusive mode", blocker, tx))
        {
            await lockLog.ExecuteNonQueryAsync();
        }

        var reading = world.Verifier.VerifyAsync(null, null, CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'audit_log' and not l.granted") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the verification never waited for the log");
            await Task.Delay(20);
        }

        // Meanwhile a later verification saw a longer chain and recorded its checkpoint.
        await world.TamperAsync($"insert into gov.audit_checkpoints (seq, hash) values (13, decode('{Convert.ToHexStringLower(hash)}', 'hex'))");
        await tx.CommitAsync();

        var result = await reading;

        Assert.True(result.Intact, result.Summary);
        Assert.Equal(10, result.Checked);
    }

    [Theory]
    [InlineData("")]
    [InlineData("update gov.audit_log set outcome = 'failure' where id = (select entry_id from gov.audit_chain where seq = 11)")]
    [InlineData("update gov.audit_log set outcome = 'failure' where id = (select entry_id from gov.audit_chain where seq = 10)")]
    [InlineData("delete from gov.audit_log where id = (select entry_id from gov.audit_chain where seq = 14)")]
    [InlineData("with gone as (delete from gov.audit_chain where seq = 11 returning entry_id) delete from gov.audit_log where id in (select entry_id from gone)")]
    [InlineData("update gov.audit_chain set seq = 1000005 where seq = 15; update gov.audit_chain set seq = 15 where seq = 16; update gov.audit_chain set seq = 16 where seq = 1000005;")]
    [InlineData("update gov.audit_chain set prev_hash = hash where seq = 11")]
    public async Task Verify_InParallelParts_FindsExactlyWhatOneWalkFinds(string tamper)
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(20);
        if (tamper.Length > 0)
        {
            await world.TamperAsync(tamper);
        }

        var one = await world.Verifier.VerifyAsync(null, null, CancellationToken.None);
        var parts = await new AuditVerifier(world.Database) { ParallelFrom = 2 }.VerifyAsync(null, null, CancellationToken.None);

        Assert.Equal((one.Problem, one.FirstBadPosition, one.Checked, one.Summary), (parts.Problem, parts.FirstBadPosition, parts.Checked, parts.Summary));
        Assert.Equal(one.HeadHash, parts.HeadHash);
    }

    [Fact]
    public async Task Verify_AConsistentRewriteOfHistory_IsCaughtByTheCheckpointTakenBefore()
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(10);
        await world.Verifier.RecordCheckpointAsync(await world.Verifier.VerifyAsync(null, null, CancellationToken.None), CancellationToken.None);

        // A superuser changes entry 5 and recomputes every hash after it, so the chain itself is consistent again.
        await RewriteConsistentlyAsync(world, 5, 10);

        var result = await world.Verifier.VerifyAsync(null, null, CancellationToken.None);

        Assert.Equal((10L, AuditProblem.Modified), (result.FirstBadPosition, result.Problem));
        Assert.Contains("history was rewritten", result.Summary, StringComparison.Ordinal);
        // The walk alone found nothing: every link and hash agrees with the rewritten history.
        Assert.True((await world.Verifier.VerifyAsync(1, 10, CancellationToken.None)).Intact);
    }

    /// <summary>As a superuser would: changes the entry at <paramref name="from"/> and recomputes every hash up to <paramref name="to"/>.</summary>
    private static async Task RewriteConsistentlyAsync(AuditWorld world, long from, long to)
    {
        await world.TamperAsync($"update gov.audit_log set details = '{{\"step\": 555}}' where id = (select entry_id from gov.audit_chain where seq = {from})");
        await using var owner = new NpgsqlConnection(world.Admin);
        await owner.OpenAsync();
        await using (var replica = new NpgsqlCommand("set session_replication_role = replica", owner))
        {
            await replica.ExecuteNonQueryAsync();
        }

        var prev = await TestPostgres.ScalarAsync<byte[]>(world.Admin, $"select hash from gov.audit_chain where seq = {from - 1}");
        for (var seq = from; seq <= to; seq++)
        {
            AuditEntry entry;
            await using (var read = new NpgsqlCommand($"select {AuditEntryReader.Columns} from gov.audit_log e where e.id = (select entry_id from gov.audit_chain where seq = {seq})", owner))
            await using (var reader = await read.ExecuteReaderAsync())
            {
                await reader.ReadAsync();
                entry = AuditEntryReader.Read(reader, 0);
            }

            var hash = AuditCanonical.Hash(seq, prev, entry);
            await using var write = new NpgsqlCommand("update gov.audit_chain set prev_hash = @prev, hash = @hash where seq = @seq", owner);
            write.Parameters.AddWithValue("prev", prev);
            write.Parameters.AddWithValue("hash", hash);
            write.Parameters.AddWithValue("seq", seq);
            await write.ExecuteNonQueryAsync();
            prev = hash;
        }
    }

    [Fact]
    public async Task Verify_ARewriteOfHistoryAndOfTheCheckpointsTable_IsCaughtByTheCheckpointPublishedOutside()
    {
        await using var world = await AuditWorld.CreateAsync();
        var file = Path.Combine(Path.GetTempPath(), "gov-checkpoints-" + Guid.NewGuid().ToString("N"), "checkpoints.log");
        var published = new PublishedCheckpoints(new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [PublishedCheckpoints.Setting] = file }).Build());
        var verifier = new AuditVerifier(world.Database, published);
        try
        {
            await world.AppendSealedAsync(10);
            await verifier.RecordCheckpointAsync(await verifier.VerifyAsync(null, null, CancellationToken.None), CancellationToken.None);
            Assert.Matches("^10 [0-9a-f]{64} \\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$", File.ReadAllLines(file).Single());
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }

            // The superuser rewrites entry 3 onwards and removes the checkpoint that would give it away.
            await RewriteConsistentlyAsync(world, 3, 10);
            await world.TamperAsync("delete from gov.audit_checkpoints");

            Assert.True((await world.Verifier.VerifyAsync(null, null, CancellationToken.None)).Intact); // the database alone agrees with itself
            var result = await verifier.VerifyAsync(null, null, CancellationToken.None);
            Assert.Equal((10L, AuditProblem.Modified), (result.FirstBadPosition, result.Problem));
            Assert.Contains("published outside the database", result.Summary, StringComparison.Ordinal);

            // The file itself altered: said so, with the file and line.
            await File.AppendAllTextAsync(file, "10 not-a-hash\n");
            var altered = await verifier.VerifyAsync(null, null, CancellationToken.None);
            Assert.False(altered.Intact);
            Assert.Contains("checkpoints.log:2", altered.Summary, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Theory]
    [InlineData("txid", "'1'::xid8")]
    [InlineData("occurred_at", "'2020-01-01T00:00:00Z'::timestamptz")]
    public async Task AppRole_NamingATransactionIdOrATimeOfItsChoice_IsRefused_AndCheckpointsAPositionPastTheHeadRecordsNothing(string column, string value)
    {
        await using var world = await AuditWorld.CreateAsync();
        await world.AppendSealedAsync(3);

        await using var connection = await world.Database.OpenAsync(CancellationToken.None);
        await using (var forge = new NpgsqlCommand(
            $"insert into gov.audit_log (actor_type, actor_id, action, outcome, {column}) values ('system', 'system:test', 'test.forge', 'success', {value})", connection))
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => forge.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }

        // What the application appends carries the server's time, whatever its own clock says.
        var appended = await world.Log.AppendAsync(AuditWorld.Record(9), CancellationToken.None);
        Assert.True(await TestPostgres.ScalarAsync<bool>(world.Admin,
            $"select abs(extract(epoch from clock_timestamp() - occurred_at)) < 60 from gov.audit_log where id = {appended}"));

        await using var tx = await connection.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("""
            insert into gov.audit_log (actor_type, actor_id, action, outcome) values ('system', 'system:test', 'test.append', 'success')
            returning txid = pg_current_xact_id()
            """, connection, tx))
        {
            Assert.True((bool)(await insert.ExecuteScalarAsync())!);
        }

        await using (var checkpoint = new NpgsqlCommand("select gov.audit_record_checkpoint(1000)", connection, tx))
        {
            Assert.Equal(DBNull.Value, await checkpoint.ExecuteScalarAsync());
        }

        await tx.CommitAsync();
        // Sealing waits for every older transaction on the server to end (other tests' too): seal until it is in.
        await world.SealEverythingAsync();
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from gov.audit_checkpoints"));
        Assert.True((await world.Verifier.VerifyAsync(null, null, CancellationToken.None)).Intact);
        Assert.Equal(5, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from gov.audit_chain"));
    }
}
