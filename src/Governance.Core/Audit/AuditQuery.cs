using System.Globalization;
using System.Text;
using Dapper;
using Governance.Core.Database;
using Governance.Core.Validation;
using SelectedRow = (long, long?, System.DateTime, string, string, string?, string, string?, string?, string?, string, string?, string, string?);

namespace Governance.Core.Audit;

public enum AuditSort
{
    NewestFirst,
    OldestFirst,
    Action,
    Actor,
}

/// <summary>Filters of the audit review. Every value is validated, and every one reaches SQL as a parameter.</summary>
public sealed record AuditFilter(
    string? ActorId = null,
    string? Action = null,
    string? TargetType = null,
    string? TargetId = null,
    string? RequestId = null,
    string? Outcome = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null)
{
    public static readonly string[] Outcomes = ["success", "failure", "denied"];

    /// <summary>The problems with the filter, by field; empty when it is valid.</summary>
    public IReadOnlyDictionary<string, string> Problems()
    {
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);
        void Id(string field, string? value, int max = 200)
        {
            if (!string.IsNullOrEmpty(value) && !AuditRecord.IsIdentifier(value, max))
            {
                problems[field] = "Use letters, digits and _ . : - only (no spaces or quotes).";
            }
        }

        Id(nameof(ActorId), ActorId);
        Id(nameof(Action), Action, 100);
        Id(nameof(TargetType), TargetType, 100);
        Id(nameof(TargetId), TargetId);
        Id(nameof(RequestId), RequestId, 100);
        if (!string.IsNullOrEmpty(Outcome) && !Outcomes.Contains(Outcome))
        {
            problems[nameof(Outcome)] = "Choose success, failure or denied.";
        }

        if (From is { } f && To is { } t && f > t)
        {
            problems[nameof(To)] = "The end of the period is before its start.";
        }

        return problems;
    }

    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0)
        {
            throw new ValidationException("audit filter", problems.ToDictionary(p => p.Key, p => new[] { p.Value }, StringComparer.Ordinal));
        }
    }

    /// <summary>The filter as audit details: which fields were used, with their (validated) values.</summary>
    public IReadOnlyDictionary<string, object?> AsDetails()
    {
        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        void Add(string key, object? value)
        {
            if (value is not null && value is not "")
            {
                d[key] = value;
            }
        }

        Add("actorId", ActorId);
        Add("action", Action);
        Add("targetType", TargetType);
        Add("targetId", TargetId);
        Add("requestId", RequestId);
        Add("outcome", Outcome);
        Add("from", From);
        Add("to", To);
        return d;
    }
}

public sealed record AuditRow(long Id, long? Position, DateTimeOffset OccurredAt, string ActorType, string ActorId, string? ActorRoles, string Action,
    string? TargetType, string? TargetId, string? RequestId, string Outcome, string? ClientAddress, string Details, string? Hash);

public sealed record AuditPage(IReadOnlyList<AuditRow> Rows, long Total, bool TotalIsLowerBound);

/// <summary>Reads the audit log for review: server-side filtering, sorting and paging; CSV streamed straight from the database.</summary>
public sealed class AuditQuery(GovernanceDatabase database)
{
    public const int MaxPageSize = 200;
    public const int CountCap = 10_000;

    private const string Select = """
        select e.id, c.seq, e.occurred_at, e.actor_type, e.actor_id, e.actor_roles, e.action, e.target_type, e.target_id,
               e.request_id, e.outcome, e.client_address, e.details::text, encode(c.hash, 'hex')
        from gov.audit_log e left join gov.audit_chain c on c.entry_id = e.id
        """;

    /// <summary>A row of <see cref="Select"/> as the console shows it (Dapper reads the columns by position into <see cref="SelectedRow"/>).</summary>
    private static AuditRow ToRow(SelectedRow r) => new(r.Item1, r.Item2, DbTime.Utc(r.Item3), r.Item4, r.Item5, r.Item6, r.Item7,
        r.Item8, r.Item9, r.Item10, r.Item11, r.Item12, r.Item13, r.Item14);

    private static (string Where, DynamicParameters Parameters) Where(AuditFilter filter)
    {
        var clauses = new List<string>();
        var p = new DynamicParameters();
        void Add(string clause, string name, object? value)
        {
            if (value is not null && value is not "")
            {
                clauses.Add(clause);
                p.Add(name, value);
            }
        }

        Add("e.actor_id = @actorId", "actorId", filter.ActorId);
        Add("e.action = @action", "action", filter.Action);
        Add("e.target_type = @targetType", "targetType", filter.TargetType);
        Add("e.target_id = @targetId", "targetId", filter.TargetId);
        Add("e.request_id = @requestId", "requestId", filter.RequestId);
        Add("e.outcome = @outcome", "outcome", filter.Outcome);
        Add("e.occurred_at >= @from", "from", filter.From);
        Add("e.occurred_at < @to", "to", filter.To);
        return (clauses.Count == 0 ? "" : " where " + string.Join(" and ", clauses), p);
    }

    private static string OrderBy(AuditSort sort) => sort switch
    {
        AuditSort.OldestFirst => " order by e.occurred_at, e.id",
        AuditSort.Action => " order by e.action, e.occurred_at desc, e.id desc",
        AuditSort.Actor => " order by e.actor_id, e.occurred_at desc, e.id desc",
        _ => " order by e.occurred_at desc, e.id desc",
    };

    public async Task<AuditPage> PageAsync(AuditFilter filter, AuditSort sort, int offset, int pageSize, CancellationToken ct)
    {
        filter.Validate();
        if (pageSize is < 1 or > MaxPageSize)
        {
            throw ValidationException.For("audit page", "pageSize", $"Must be between 1 and {MaxPageSize}.");
        }

        if (offset < 0 || offset > 1_000_000)
        {
            throw ValidationException.For("audit page", "offset", "Must be between 0 and 1,000,000; narrow the filter instead.");
        }

        var (where, p) = Where(filter);
        p.Add("limit", pageSize);
        p.Add("offset", offset);
        // The page and the count run at once on two connections: the page waits for the slower of the two, not both.
        // An exact count over millions of rows costs more than the page: count up to a cap and say "10,000+" beyond.
        var page = Task.Run(async () =>
        {
            await using var connection = await database.OpenAsync(ct);
            var data = await connection.QueryAsync<SelectedRow>(
                new CommandDefinition(Select + where + OrderBy(sort) + " limit @limit offset @offset", p, cancellationToken: ct));
            return data.Select(ToRow).ToList();
        }, ct);
        var (_, counted) = Where(filter); // parameters of their own: a command's parameters are not shared across threads
        counted.Add("cap", CountCap + 1);
        var count = Task.Run(async () =>
        {
            await using var connection = await database.OpenAsync(ct);
            return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                $"select count(*) from (select 1 from gov.audit_log e{where} limit @cap) x", counted, cancellationToken: ct));
        }, ct);
        await Task.WhenAll(page, count);
        var total = await count;
        return new AuditPage(await page, Math.Min(total, CountCap), total > CountCap);
    }

    /// <summary>The most entries one report extract holds: beyond it the period or the filter must be narrowed.</summary>
    public const int MaxExtract = 200_000;

    /// <summary>The filtered entries oldest first, for a report; refuses more than <see cref="MaxExtract"/> (saying so, by field).</summary>
    public async Task<IReadOnlyList<AuditRow>> ExtractAsync(AuditFilter filter, CancellationToken ct)
    {
        filter.Validate();
        var (where, p) = Where(filter);
        p.Add("limit", MaxExtract + 1);
        await using var connection = await database.OpenAsync(ct);
        var data = (await connection.QueryAsync<SelectedRow>(
            new CommandDefinition(Select + where + OrderBy(AuditSort.OldestFirst) + " limit @limit", p, cancellationToken: ct))).ToList();
        if (data.Count > MaxExtract)
        {
            throw ValidationException.For("audit extract", "period", $"More than {MaxExtract:N0} entries match: narrow the period or the filter.");
        }

        return data.Select(ToRow).ToList();
    }

    /// <summary>Writes the filtered entries as CSV (RFC 4180) to <paramref name="output"/>, row by row, without holding them in memory.</summary>
    public async Task<long> WriteCsvAsync(AuditFilter filter, AuditSort sort, Stream output, CancellationToken ct)
    {
        filter.Validate();
        var (where, p) = Where(filter);
        await using var connection = await database.OpenAsync(ct);
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
        await writer.WriteAsync("entry_id,position,occurred_at,actor_type,actor_id,actor_roles,action,target_type,target_id,request_id,outcome,client_address,details,hash\r\n");
        long n = 0;
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(Select + where + OrderBy(sort), p, cancellationToken: ct, flags: CommandFlags.None));
        while (await reader.ReadAsync(ct))
        {
            for (var i = 0; i < 14; i++)
            {
                if (i > 0)
                {
                    await writer.WriteAsync(',');
                }

                if (reader.IsDBNull(i))
                {
                    continue;
                }

                var text = i == 2
                    ? AuditCanonical.Timestamp(DbTime.Utc(reader.GetDateTime(i)))
                    : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture) ?? "";
                await writer.WriteAsync(Csv(text));
            }

            await writer.WriteAsync("\r\n");
            if (++n % 5_000 == 0)
            {
                await writer.FlushAsync(ct);
            }
        }

        await writer.FlushAsync(ct);
        return n;
    }

    /// <summary>Quotes a CSV field when needed, and defuses values a spreadsheet would run as a formula.</summary>
    public static string Csv(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}

/// <summary>The review use case: reading and exporting the audit log are themselves audited (who looked with which filter).</summary>
public sealed class ReviewAuditLog(AuditQuery query, AuditLog audit)
{
    public async Task<AuditPage> SearchAsync(AuditActor actor, AuditFilter filter, AuditSort sort, int offset, int pageSize, bool recordView, CancellationToken ct)
    {
        var page = await query.PageAsync(filter, sort, offset, pageSize, ct);
        if (recordView)
        {
            await audit.AppendAsync(new AuditRecord(actor, "audit.view", AuditOutcome.Success, Details: filter.AsDetails()), ct);
        }

        return page;
    }

    public async Task<long> ExportCsvAsync(AuditActor actor, AuditFilter filter, AuditSort sort, Stream output, CancellationToken ct)
    {
        filter.Validate();
        await audit.AppendAsync(new AuditRecord(actor, "audit.export", AuditOutcome.Success, Details: filter.AsDetails()), ct);
        return await query.WriteCsvAsync(filter, sort, output, ct);
    }
}

public sealed record ChainStatus(DateTimeOffset? LastVerifiedAt, bool? LastIntact, long? VerifiedUpTo, string? OpenAlert, long Unsealed)
{
    /// <summary>
    /// The position where the latest failed verification found the chain broken, while no later verification covering
    /// that position has passed (resolving the alert does not end it); null when none is outstanding.
    /// </summary>
    public long? BrokenAt { get; init; }

    /// <summary>When the outstanding break was found.</summary>
    public DateTimeOffset? BrokenFoundAt { get; init; }
}

/// <summary>What the review page's badge shows: the latest verification, an open chain alert, the sealing backlog.</summary>
public sealed class AuditChainStatus(GovernanceDatabase database)
{
    public async Task<ChainStatus> GetAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var last = await connection.QuerySingleOrDefaultAsync<(DateTime At, string Outcome, string? To)?>(new CommandDefinition("""
            select occurred_at, outcome, target_id from gov.audit_log
            where action = 'audit.verify' order by occurred_at desc, id desc limit 1
            """, cancellationToken: ct));
        var alert = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "select summary from gov.alerts where rule = @rule and resolved_at is null order by raised_at desc limit 1",
            new { rule = AlertStore.ChainBrokenRule }, cancellationToken: ct));
        // The head first, then a count along the sealing index from it (one statement with the head in a subquery
        // scans the whole log in parallel).
        var head = await connection.QuerySingleOrDefaultAsync<(long Seq, byte[] Hash, string? Txid, long Id)?>(new CommandDefinition(AuditSealer.HeadSql, cancellationToken: ct));
        var unsealed = head is { Txid: { } txid } h
            ? await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "select count(*) from gov.audit_log e where (e.txid, e.id) > (@txid::xid8, @id)", new { txid, id = h.Id }, cancellationToken: ct))
            : await connection.ExecuteScalarAsync<long>(new CommandDefinition("select count(*) from gov.audit_log", cancellationToken: ct));
        // The latest failure names its first bad position; it stands until a later verification whose range covers it passes.
        var broken = await connection.QuerySingleOrDefaultAsync<(DateTime At, long Position)?>(new CommandDefinition("""
            with bad as (
                select f.occurred_at, f.id, (f.details->>'firstBadPosition')::bigint as position from gov.audit_log f
                where f.action = 'audit.verify' and f.outcome = 'failure' and f.details->>'firstBadPosition' is not null
                order by f.occurred_at desc, f.id desc limit 1)
            select b.occurred_at, b.position from bad b
            where not exists (
                select 1 from gov.audit_log v
                where v.action = 'audit.verify' and v.outcome = 'success' and (v.occurred_at, v.id) > (b.occurred_at, b.id)
                  and (v.details->>'from')::bigint <= b.position and (v.details->>'to')::bigint >= b.position)
            """, cancellationToken: ct));
        var status = last is { } l
            ? new ChainStatus(DbTime.Utc(l.At), l.Outcome == "success",
                long.TryParse(l.To, NumberStyles.None, CultureInfo.InvariantCulture, out var to) ? to : null, alert, unsealed)
            : new ChainStatus(null, null, null, alert, unsealed);
        return broken is { } b ? status with { BrokenAt = b.Position, BrokenFoundAt = DbTime.Utc(b.At) } : status;
    }
}
