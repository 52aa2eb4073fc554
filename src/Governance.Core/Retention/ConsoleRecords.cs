using Dapper;
using Governance.Core.Database;
using Governance.Core.Holds;
using Npgsql;

namespace Governance.Core.Retention;

/// <summary>
/// The console's own records under retention, named in the same rule files with <c>map: console</c>: closed requests
/// (their contact data, the agent's details, staff's notes and the attachments), deadline notices and sign-in sessions.
/// Rules for them have no scope (no store, tenant or conversation). A closed request is kept at least 24 months (CCPA
/// regulations, 11 CCR § 7101(a)); one whose person is a custodian of an active legal hold is kept while the hold lasts.
/// </summary>
public static class ConsoleRecords
{
    public const string Map = "console";

    public const string ClosedRequests = "closed-requests";
    public const string Notices = "notices";
    public const string SignInSessions = "sign-in-sessions";
    public const string RunKeys = "retention-run-keys";

    /// <summary>The collections, the actions each allows, the shortest age allowed and what the rule does.</summary>
    public static readonly IReadOnlyDictionary<string, (RetentionAction Action, int MinimumMonths, string What)> Collections =
        new Dictionary<string, (RetentionAction, int, string)>(StringComparer.Ordinal)
        {
            [ClosedRequests] = (RetentionAction.Anonymise, 24,
                "closed requests, from their closing: contact data, the agent's details, verification and staff notes, notes, attachments and corrected values removed; reference, regime, type, dates and outcome kept for the metrics"),
            [Notices] = (RetentionAction.Delete, 0, "deadline notices to staff, from when they were made"),
            [SignInSessions] = (RetentionAction.Delete, 0, "sign-in sessions that ended or expired, from their start"),
            [RunKeys] = (RetentionAction.Delete, 0,
                "the ids of the rows each finished retention run removed (kept to resume it and as evidence), from the run's end; the run's counts stay"),
        };

    /// <summary>SQL over the batch row <c>b</c>: a batch of a finished run whose ids are still kept (a pending batch's ids are what resumes a run: never).</summary>
    private const string KeptKeys = """
        b.state in ('committed', 'abandoned') and b.root_keys <> '[]'::jsonb
        and exists (select 1 from gov.retention_runs r where r.id = b.run_id and r.state in ('done', 'failed', 'rejected') and r.finished_at < @cutoff)
        """;

    private const string Closed = "('Completed', 'Denied', 'Withdrawn', 'Duplicate', 'Restricted', 'ObjectionUpheld')";

    /// <summary>SQL over the request row <c>r</c>: when it was closed.</summary>
    private const string ClosedAt = $"(select max(e.occurred_at) from gov.request_events e where e.request_id = r.id and e.to_state in {Closed})";

    /// <summary>What the rule's next run would change, and what a legal hold keeps.</summary>
    public static async Task<(long Due, long Held)> CountAsync(GovernanceDatabase governance, string collection, DateTimeOffset cutoff, IReadOnlyList<LegalHold> holds, CancellationToken ct)
    {
        await using var connection = await governance.OpenAsync(ct);
        var custodians = Custodians(holds);
        return collection switch
        {
            ClosedRequests => await connection.QuerySingleAsync<(long, long)>(new CommandDefinition($"""
                select count(*), count(*) filter (where r.subject_user_id = any(@custodians))
                from gov.requests r where r.state in {Closed} and r.anonymised_at is null and {ClosedAt} < @cutoff
                """, new { cutoff, custodians }, cancellationToken: ct)),
            Notices => (await connection.ExecuteScalarAsync<long>(new CommandDefinition("select count(*) from gov.notices where created_at < @cutoff", new { cutoff }, cancellationToken: ct)), 0),
            RunKeys => (await connection.ExecuteScalarAsync<long>(new CommandDefinition($"select count(*) from gov.retention_batches b where {KeptKeys}", new { cutoff }, cancellationToken: ct)), 0),
            _ => (await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "select count(*) from gov.sign_in_sessions where started_at < @cutoff and (ended_at is not null or expires_at < now())", new { cutoff }, cancellationToken: ct)), 0),
        };
    }

    /// <summary>Changes one batch; returns how many records it changed (0 when none is left).</summary>
    public static async Task<(int Changed, IReadOnlyDictionary<string, long> Rows)> BatchAsync(GovernanceDatabase governance, string collection, DateTimeOffset cutoff,
        IReadOnlyList<LegalHold> holds, int batch, CancellationToken ct)
    {
        await using var connection = await governance.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        int changed;
        switch (collection)
        {
            case ClosedRequests:
            {
                var ids = (await connection.QueryAsync<Guid>(new CommandDefinition($"""
                    select r.id from gov.requests r
                    where r.state in {Closed} and r.anonymised_at is null and {ClosedAt} < @cutoff
                      and not (r.subject_user_id is not null and r.subject_user_id = any(@custodians))
                    order by r.id limit @batch for update skip locked
                    """, new { cutoff, custodians = Custodians(holds), batch }, tx, cancellationToken: ct))).ToArray();
                changed = ids.Length;
                if (changed > 0)
                {
                    rows["request notes"] = await connection.ExecuteAsync(new CommandDefinition("delete from gov.request_notes where request_id = any(@ids)", new { ids }, tx, cancellationToken: ct));
                    rows["request attachments"] = await connection.ExecuteAsync(new CommandDefinition("delete from gov.request_attachments where request_id = any(@ids)", new { ids }, tx, cancellationToken: ct));
                    rows["request searches"] = await connection.ExecuteAsync(new CommandDefinition("delete from gov.request_searches where request_id = any(@ids)", new { ids }, tx, cancellationToken: ct));
                    rows["request corrections"] = await connection.ExecuteAsync(new CommandDefinition("delete from gov.request_corrections where request_id = any(@ids)", new { ids }, tx, cancellationToken: ct));
                    rows["closed requests"] = await connection.ExecuteAsync(new CommandDefinition("""
                        update gov.requests set subject_email = null, subject_phone = null, subject_user_id = 'anonymised', agent_name = null, agent_evidence = null,
                            verification_note = null, staff_note = null, erasure_recipients = null, body_hash = null, idempotency_key = null, anonymised_at = now()
                        where id = any(@ids)
                        """, new { ids }, tx, cancellationToken: ct));
                }

                break;
            }

            case Notices:
                changed = await connection.ExecuteAsync(new CommandDefinition(
                    "delete from gov.notices where id in (select id from gov.notices where created_at < @cutoff order by id limit @batch for update skip locked)",
                    new { cutoff, batch }, tx, cancellationToken: ct));
                rows["notices"] = changed;
                break;

            case RunKeys:
                changed = await connection.ExecuteAsync(new CommandDefinition($"""
                    update gov.retention_batches set root_keys = '[]'::jsonb
                    where (run_id, seq) in (select b.run_id, b.seq from gov.retention_batches b where {KeptKeys} order by b.run_id, b.seq limit @batch for update skip locked)
                    """, new { cutoff, batch }, tx, cancellationToken: ct));
                rows["retention batch ids"] = changed;
                break;

            default:
                changed = await connection.ExecuteAsync(new CommandDefinition("""
                    delete from gov.sign_in_sessions where id in (select id from gov.sign_in_sessions
                        where started_at < @cutoff and (ended_at is not null or expires_at < now()) order by id limit @batch for update skip locked)
                    """, new { cutoff, batch }, tx, cancellationToken: ct));
                rows["sign-in sessions"] = changed;
                break;
        }

        await tx.CommitAsync(ct);
        return (changed, rows);
    }

    /// <summary>The chat user ids that active holds name as custodians (in any store): their requests are kept.</summary>
    private static string[] Custodians(IReadOnlyList<LegalHold> holds) =>
        holds.Where(h => h.Active).SelectMany(h => h.Scope).Where(s => s.Kind == HoldScopeKind.User).Select(s => s.Value).Distinct(StringComparer.Ordinal).ToArray();
}
