using Dapper;
using Governance.Core.Audit;
using Governance.Core.Erasure;
using Governance.Core.Holds;
using Governance.Core.Requests;
using Governance.Core.Validation;
using Governance.Tests.Support;
using Npgsql;

namespace Governance.Core.Tests.Erasure;

/// <summary>A request's erasure run on seeded reference stores, against ground truth read by direct SQL before and after.</summary>
public sealed class ErasureRunTests
{
    private static readonly string[] DeletingTables = ["devices", "sessions", "contacts", "attachments", "reactions", "read_receipts", "ai_interactions"];

    private static readonly AuditActor Officer = new(AuditActorType.User, "local:officer", ["PrivacyOfficer"]);

    private static async Task<Dictionary<string, long>> CountsAsync(ErasureWorld world, string store)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var t in DeletingTables.Append("messages").Append("users"))
        {
            counts[t] = await world.StoreScalarAsync<long>(store, $"select count(*) from {t}");
        }

        return counts;
    }

    [Fact]
    public async Task Erase_LeavesNoneOfThePersonsData_OthersRowsByteIdentical_CountsAddUp_AndARerunChangesNothing()
    {
        await using var world = await ErasureWorld.CreateAsync("erun");
        var (person, email) = await world.BusiestPersonAsync();
        var before = await CountsAsync(world, "eu");
        var othersBefore = (await new NpgsqlConnection(world.StoreConnections["eu"]).QueryAsync<(long, string)>(
            "select id, md5(m::text) from messages m where sender_id <> @person and not (coalesce(mentions, '{}') @> array[@person])", new { person })).ToList();
        var elsewhere = new[] { await world.FingerprintAsync("us"), await world.FingerprintAsync("cn") };
        var files = await world.StoreScalarAsync<long>("eu", "select count(*) from attachments where uploader_id = @person", new { person });
        Assert.True(files > 0, "the person shared files");
        var request = await world.RequestAsync(person.ToString(System.Globalization.CultureInfo.InvariantCulture), email);

        await world.Erasure.StartAsync(request, Officer, CancellationToken.None);
        Assert.Equal("Processing", await world.StateAsync(request));
        var outcome = await world.Erasure.RunAsync(request, AuditActor.Job("erasure"), CancellationToken.None);

        Assert.Equal(RequestState.Completed, outcome.State);
        Assert.Equal("Completed", await world.StateAsync(request));
        var left = await world.StoreScalarAsync<long>("eu", """
            select (select count(*) from devices where user_id = @person) + (select count(*) from sessions where user_id = @person)
                 + (select count(*) from attachments where uploader_id = @person) + (select count(*) from reactions where user_id = @person)
                 + (select count(*) from read_receipts where user_id = @person) + (select count(*) from ai_interactions where user_id = @person)
                 + (select count(*) from contacts where user_id = @person or contact_user_id = @person)
                 + (select count(*) from messages where sender_id = @person and body <> '[message deleted]')
                 + (select count(*) from messages where mentions @> array[@person])
                 + (select count(*) from users where id = @person and (email = @email or display_name <> 'Deleted user' or phone is not null or last_login_ip is not null))
            """, new { person, email });
        Assert.Equal(0, left);

        // Every row a delete step counts is a row gone from its table, and no other row went.
        var after = await CountsAsync(world, "eu");
        var eu = Assert.Single(outcome.Stores, s => s.Store == "eu");
        Assert.True(eu.Verified);
        foreach (var table in DeletingTables)
        {
            Assert.Equal(before[table] - after[table], eu.Steps.Where(s => s.Collection == table && s.Action == "delete").Sum(s => s.Changed));
        }

        Assert.Equal(before["messages"], after["messages"]);
        Assert.Equal(before["users"], after["users"]);
        var othersAfter = (await new NpgsqlConnection(world.StoreConnections["eu"]).QueryAsync<(long, string)>("select id, md5(m::text) from messages m where id = any(@ids)",
            new { ids = othersBefore.Select(o => o.Item1).ToArray() })).ToDictionary(x => x.Item1, x => x.Item2);
        Assert.All(othersBefore, o => Assert.Equal(o.Item2, othersAfter[o.Item1]));
        Assert.Equal(elsewhere, new[] { await world.FingerprintAsync("us"), await world.FingerprintAsync("cn") }); // the person is not there
        Assert.Equal(files, eu.Steps.Sum(s => s.FilesRemoved + s.FilesMissing));
        Assert.Equal(files, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from gov.erasure_files"));
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from gov.erasure_runs where key_sets is not null"));

        // A second request for the same person: everything is already in its erased form; nothing changes.
        var fingerprint = await world.FingerprintAsync("eu");
        var again = await world.RequestAsync(person.ToString(System.Globalization.CultureInfo.InvariantCulture), null);
        await world.Erasure.StartAsync(again, Officer, CancellationToken.None);
        var rerun = await world.Erasure.RunAsync(again, AuditActor.Job("erasure"), CancellationToken.None);
        Assert.Equal(0, rerun.Stores.Sum(s => s.Changed));
        Assert.Equal(fingerprint, await world.FingerprintAsync("eu"));
    }

    [Fact]
    public async Task Erase_AConversationUnderHold_KeepsItsRows_CountsAndListsThem_AndCompletesInPart()
    {
        await using var world = await ErasureWorld.CreateAsync("ehold");
        var (person, email) = await world.BusiestPersonAsync();
        // The conversation where the person shared the most files: the hold must keep the files too (an attachment's
        // conversation is its message's).
        var conversation = await world.StoreScalarAsync<long>("eu", """
            select m.conversation_id from attachments a join messages m on m.id = a.message_id where a.uploader_id = @person
            group by m.conversation_id order by count(*) desc, m.conversation_id limit 1
            """, new { person });
        var heldMessages = await world.StoreScalarAsync<long>("eu", "select count(*) from messages where sender_id = @person and conversation_id = @conversation", new { person, conversation });
        var heldFiles = (await new NpgsqlConnection(world.StoreConnections["eu"]).QueryAsync<string>(
            "select a.blob_path from attachments a join messages m on m.id = a.message_id where a.uploader_id = @person and m.conversation_id = @conversation", new { person, conversation })).ToList();
        var otherFiles = (await new NpgsqlConnection(world.StoreConnections["eu"]).QueryAsync<string>(
            "select a.blob_path from attachments a join messages m on m.id = a.message_id where a.uploader_id = @person and m.conversation_id <> @conversation", new { person, conversation })).ToList();
        Assert.NotEmpty(heldFiles);
        Assert.All(heldFiles.Concat(otherFiles), f => Assert.True(File.Exists(Path.Combine(world.Blobs, "eu", f)), "seeded files exist"));
        var heldBefore = (await new NpgsqlConnection(world.StoreConnections["eu"]).QueryAsync<string>(
            "select md5(m::text) from messages m where sender_id = @person and conversation_id = @conversation order by id", new { person, conversation })).ToList();
        var hold = await world.Holds.CreateAsync(new NewHold("Smith v. Example", [new HoldScope(HoldScopeKind.Conversation, conversation.ToString(System.Globalization.CultureInfo.InvariantCulture), "eu")], null, null, null),
            Officer, CancellationToken.None);
        var request = await world.RequestAsync(null, email);

        await world.Erasure.StartAsync(request, Officer, CancellationToken.None);
        var outcome = await world.Erasure.RunAsync(request, AuditActor.Job("erasure"), CancellationToken.None);

        Assert.Equal(RequestState.Completed, outcome.State);
        Assert.True(outcome.InPart);
        Assert.Contains("legal hold", outcome.Summary, StringComparison.Ordinal);
        var heldAfter = (await new NpgsqlConnection(world.StoreConnections["eu"]).QueryAsync<string>(
            "select md5(m::text) from messages m where sender_id = @person and conversation_id = @conversation order by id", new { person, conversation })).ToList();
        Assert.Equal(heldBefore, heldAfter); // byte-identical: the hold keeps them whole
        Assert.Equal(0, await world.StoreScalarAsync<long>("eu",
            "select count(*) from messages where sender_id = @person and conversation_id <> @conversation and body <> '[message deleted]'", new { person, conversation }));
        var eu = Assert.Single(outcome.Stores, s => s.Store == "eu");
        var tombstoning = eu.Steps.Where(s => s.Collection == "messages" && s.Description.Contains("personal fields", StringComparison.Ordinal)).ToList();
        Assert.Equal(heldMessages, tombstoning.Sum(s => s.Held));
        Assert.True(eu.Verified);
        Assert.All(heldFiles, f => Assert.True(File.Exists(Path.Combine(world.Blobs, "eu", f)), "a held file stays"));
        Assert.All(otherFiles, f => Assert.False(File.Exists(Path.Combine(world.Blobs, "eu", f)), "a file not held goes"));
        Assert.Equal(heldFiles.Count, await world.StoreScalarAsync<long>("eu",
            "select count(*) from attachments a join messages m on m.id = a.message_id where a.uploader_id = @person and m.conversation_id = @conversation", new { person, conversation }));
        Assert.Equal(heldFiles.Count, eu.Steps.Where(s => s.Action == "files").Sum(s => s.Held));
        Assert.Equal(heldMessages, await TestPostgres.ScalarAsync<long>(world.Admin, $"""
            select count(*) from gov.erasure_batches b join gov.erasure_steps s using (run_id, step), jsonb_array_elements(b.held) h
            where s.collection = 'messages' and s.description like '%personal fields%' and h->'holds' ? '{hold.Reference}'
            """));
    }

    [Fact]
    public async Task Erase_AMentionInTheMessageOfACustodianUnderHold_StaysWhole_WhileOtherMentionsOfThePersonGo()
    {
        await using var world = await ErasureWorld.CreateAsync("ecust");
        var (person, email) = await world.BusiestPersonAsync();
        await using var store = new NpgsqlConnection(world.StoreConnections["eu"]);
        var (kept, custodian) = await store.QuerySingleAsync<(long, long)>("select id, sender_id from messages where sender_id <> @person order by id limit 1", new { person });
        var gone = await store.ExecuteScalarAsync<long>("select id from messages where sender_id not in (@person, @custodian) order by id desc limit 1", new { person, custodian });
        await store.ExecuteAsync("update messages set mentions = array[@person] where id in (@kept, @gone)", new { person, kept, gone });
        var before = await store.ExecuteScalarAsync<string>("select md5(m::text) from messages m where id = @kept", new { kept });
        await world.Holds.CreateAsync(new NewHold("Regulator inquiry", [new HoldScope(HoldScopeKind.User, custodian.ToString(System.Globalization.CultureInfo.InvariantCulture), "eu")], null, null, null),
            Officer, CancellationToken.None);
        var request = await world.RequestAsync(null, email);

        await world.Erasure.StartAsync(request, Officer, CancellationToken.None);
        var outcome = await world.Erasure.RunAsync(request, AuditActor.Job("erasure"), CancellationToken.None);

        Assert.True(outcome.InPart);
        Assert.Equal(before, await store.ExecuteScalarAsync<string>("select md5(m::text) from messages m where id = @kept", new { kept }));
        Assert.False(await store.ExecuteScalarAsync<bool>("select coalesce(mentions @> array[@person], false) from messages where id = @gone", new { person, gone }));
        Assert.Equal(0, await world.StoreScalarAsync<long>("eu", "select count(*) from messages where sender_id = @person and body <> '[message deleted]'", new { person }));
    }

    [Fact]
    public async Task Erase_StoppedMidRun_ThenRunAgain_EndsExactlyAsAnUninterruptedRun_WithTheSameCounts()
    {
        await using var stopped = await ErasureWorld.CreateAsync("estop", batchSize: 2);
        await using var whole = await ErasureWorld.CreateAsync("ewhole", batchSize: 2);
        var (person, email) = await stopped.BusiestPersonAsync();
        Assert.Equal((person, email), await whole.BusiestPersonAsync()); // the same seed, the same data
        var first = await stopped.RequestAsync(null, email);
        var second = await whole.RequestAsync(null, email);
        await stopped.Erasure.StartAsync(first, Officer, CancellationToken.None);
        await whole.Erasure.StartAsync(second, Officer, CancellationToken.None);

        // Stop the run while it waits for a row the live chat system holds (the person's account, stripped last): most
        // batches committed, the rest not begun; cancelled as a shutting-down worker would be.
        await using (var chat = new NpgsqlConnection(stopped.StoreConnections["eu"]))
        {
            await chat.OpenAsync();
            await using var holding = await chat.BeginTransactionAsync();
            await chat.ExecuteAsync($"select 1 from users where id = {person} for update", transaction: holding);
            using var stop = new CancellationTokenSource();
            var running = stopped.Erasure.RunAsync(first, AuditActor.Job("erasure"), stop.Token);
            while (await stopped.StoreScalarAsync<long>("eu", "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'") == 0)
            {
                Assert.False(running.IsCompleted, "the run ended before it reached the held row");
                await Task.Delay(20);
            }

            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
            await holding.RollbackAsync();
        }

        Assert.Equal("Processing", await stopped.StateAsync(first));
        var undone = await TestPostgres.ScalarAsync<long>(stopped.Admin, "select count(*) from gov.erasure_batches where done_at is null");
        Assert.True(undone > 0, "the run was stopped before its end");

        var resumed = await stopped.Erasure.RunAsync(first, AuditActor.Job("erasure"), CancellationToken.None);
        var uninterrupted = await whole.Erasure.RunAsync(second, AuditActor.Job("erasure"), CancellationToken.None);

        Assert.Equal(await whole.FingerprintAsync("eu"), await stopped.FingerprintAsync("eu"));
        Assert.Equal(RequestState.Completed, resumed.State);
        Assert.Equal(uninterrupted.Stores.SelectMany(s => s.Steps).Select(s => (s.Step, s.Planned, s.Changed, s.Held)),
            resumed.Stores.SelectMany(s => s.Steps).Select(s => (s.Step, s.Planned, s.Changed, s.Held)));
    }

    [Fact]
    public async Task Start_RefusesWhatCannotBeErased_NamesWhy_ChangesNothing_AndAuditsTheRefusal()
    {
        await using var world = await ErasureWorld.CreateAsync("erefuse");
        var (person, email) = await world.BusiestPersonAsync();
        var fingerprint = await world.FingerprintAsync("eu");
        var inReview = await world.RequestAsync(null, email, state: "InReview");
        var access = await world.RequestAsync(null, email, type: "access");
        var nobody = await world.RequestAsync(null, "nobody-here@example.org");

        Assert.Equal("state", Assert.Single((await Assert.ThrowsAsync<ValidationException>(() => world.Erasure.StartAsync(inReview, Officer, CancellationToken.None))).Errors.Keys));
        Assert.Equal("type", Assert.Single((await Assert.ThrowsAsync<ValidationException>(() => world.Erasure.StartAsync(access, Officer, CancellationToken.None))).Errors.Keys));
        Assert.Equal("person", Assert.Single((await Assert.ThrowsAsync<ValidationException>(() => world.Erasure.StartAsync(nobody, Officer, CancellationToken.None))).Errors.Keys));

        await using var keyless = await ErasureWorld.CreateAsync("ekeyless", pseudonymKey: "");
        var approved = await keyless.RequestAsync(null, email);
        var refused = await Assert.ThrowsAsync<ValidationException>(() => keyless.Erasure.StartAsync(approved, Officer, CancellationToken.None));
        Assert.Equal("DataMap:PseudonymKey", Assert.Single(refused.Errors.Keys));
        Assert.Equal("Approved", await keyless.StateAsync(approved));

        Assert.Equal(fingerprint, await world.FingerprintAsync("eu"));
        Assert.Equal(["InReview", "Approved", "Approved"], new[] { await world.StateAsync(inReview), await world.StateAsync(access), await world.StateAsync(nobody) });
        Assert.Equal(3, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from gov.audit_log where action = 'erasure.start' and outcome = 'denied'"));
        Assert.Equal(0, await TestPostgres.ScalarAsync<long>(world.Admin, "select count(*) from gov.erasure_runs"));
        Assert.DoesNotContain(email, await TestPostgres.ScalarAsync<string>(world.Admin, "select coalesce(string_agg(details::text, ' '), '') from gov.audit_log"), StringComparison.OrdinalIgnoreCase);
    }
}
