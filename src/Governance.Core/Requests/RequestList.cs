using System.Diagnostics;
using Dapper;
using Governance.Core.Database;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Core.Requests;

public enum RequestSort
{
    DueSoonest,
    NewestFirst,
}

public sealed record RequestFilter(string? State = null, string? Regime = null, string? Type = null, bool OverdueOnly = false, DateOnly? DueBefore = null);

public sealed record RequestRow(Guid Id, string Reference, string Regime, string Type, string State, string Channel, DateOnly ReceivedOn, DateOnly DueOn, bool Overdue);

public sealed record RequestPage(IReadOnlyList<RequestRow> Rows, long Total, bool TotalIsLowerBound);

/// <summary>The request list: filtered, sorted and paged in the database. It shows references and dates, not the people.</summary>
public sealed class RequestList(GovernanceDatabase database, TimeProvider time)
{
    public const int MaxPageSize = 200;
    private const int CountCap = 10_000;
    private static readonly string[] Closed = [nameof(RequestState.Completed), nameof(RequestState.Denied), nameof(RequestState.Withdrawn)];

    public async Task<RequestPage> PageAsync(RequestFilter filter, RequestSort sort, int offset, int pageSize, CancellationToken ct)
    {
        if (pageSize is < 1 or > MaxPageSize)
        {
            throw new ArgumentException($"pageSize: must be between 1 and {MaxPageSize}.", nameof(pageSize));
        }

        if (filter.State is not null && !Enum.TryParse<RequestState>(filter.State, out _))
        {
            throw new ArgumentException("state: not a request state.", nameof(filter));
        }

        if (filter.Type is not null && !RequestTypes.All.Contains(filter.Type))
        {
            throw new ArgumentException("type: not a request type.", nameof(filter));
        }

        var clauses = new List<string>();
        var p = new DynamicParameters();
        if (filter.State is not null)
        {
            clauses.Add("state = @state");
            p.Add("state", filter.State);
        }

        if (filter.Regime is not null)
        {
            clauses.Add("regime = @regime");
            p.Add("regime", filter.Regime);
        }

        if (filter.Type is not null)
        {
            clauses.Add("type = @type");
            p.Add("type", filter.Type);
        }

        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        if (filter.OverdueOnly)
        {
            clauses.Add("coalesce(extended_due_on, due_on) < @today and state <> all(@closed)");
        }

        if (filter.DueBefore is { } before)
        {
            clauses.Add("coalesce(extended_due_on, due_on) < @before");
            p.Add("before", before);
        }

        p.Add("today", today);
        p.Add("closed", Closed);
        p.Add("limit", pageSize);
        p.Add("offset", offset);
        p.Add("cap", CountCap + 1);
        var where = clauses.Count == 0 ? "" : " where " + string.Join(" and ", clauses);
        var order = sort == RequestSort.NewestFirst ? " order by received_at desc, id" : " order by coalesce(extended_due_on, due_on), id";
        await using var connection = await database.OpenAsync(ct);
        var rows = (await connection.QueryAsync<(Guid Id, string Reference, string Regime, string Type, string State, string Channel, DateTime ReceivedOn, DateTime DueOn)>(new CommandDefinition(
            $"select id, reference, regime, type, state, channel, received_on, coalesce(extended_due_on, due_on) from gov.requests{where}{order} limit @limit offset @offset",
            p, cancellationToken: ct)))
            .Select(r => new RequestRow(r.Id, r.Reference, r.Regime, r.Type, r.State, r.Channel, DateOnly.FromDateTime(r.ReceivedOn), DateOnly.FromDateTime(r.DueOn),
                DateOnly.FromDateTime(r.DueOn) < today && !Closed.Contains(r.State)))
            .ToList();
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"select count(*) from (select 1 from gov.requests{where} limit @cap) x", p, cancellationToken: ct));
        return new RequestPage(rows, Math.Min(total, CountCap), total > CountCap);
    }

    /// <summary><c>./gov bench requests</c>: list queries on a scratch database of <paramref name="count"/> requests; p95 per filter.</summary>
    public static async Task BenchmarkAsync(string adminConnectionString, int count, TextWriter output, CancellationToken ct)
    {
        var scratch = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = $"governance_bench_requests_{Environment.ProcessId}" }.ConnectionString;
        await PostgresAdmin.EnsureDatabaseAsync(scratch, "bench", ct);
        try
        {
            await new GovernanceMigrator(scratch, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).MigrateAsync(ct);
            await using var dataSource = NpgsqlDataSource.Create(scratch);
            var rng = new Random(5);
            string[] states = [.. Enum.GetNames<RequestState>()];
            string[] regimes = ["gdpr", "ccpa", "pipl"];
            var start = DateTime.UtcNow.Date.AddYears(-2);
            var fill = Stopwatch.StartNew();
            await using (var connection = await dataSource.OpenConnectionAsync(ct))
            await using (var importer = await connection.BeginBinaryImportAsync(
                "copy gov.requests (id, reference, regime, type, state, channel, subject_email, received_at, received_on, due_on, due_at) from stdin (format binary)", ct))
            {
                for (var i = 0; i < count; i++)
                {
                    var received = start.AddMinutes(rng.Next(0, 2 * 365 * 24 * 60));
                    await importer.StartRowAsync(ct);
                    await importer.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid, ct);
                    await importer.WriteAsync($"DSR-{received:yyyy}-{i:D7}", NpgsqlDbType.Text, ct);
                    await importer.WriteAsync(regimes[rng.Next(3)], NpgsqlDbType.Text, ct);
                    await importer.WriteAsync(RequestTypes.All[rng.Next(RequestTypes.All.Length)], NpgsqlDbType.Text, ct);
                    await importer.WriteAsync(received < DateTime.UtcNow.AddDays(-60) ? states[rng.Next(6, 10) % states.Length] : states[rng.Next(states.Length)], NpgsqlDbType.Text, ct);
                    await importer.WriteAsync("api", NpgsqlDbType.Text, ct);
                    await importer.WriteAsync($"person{i}@example.org", NpgsqlDbType.Text, ct);
                    await importer.WriteAsync(received, NpgsqlDbType.TimestampTz, ct);
                    await importer.WriteAsync(DateOnly.FromDateTime(received), NpgsqlDbType.Date, ct);
                    await importer.WriteAsync(DateOnly.FromDateTime(received.AddDays(30)), NpgsqlDbType.Date, ct);
                    await importer.WriteAsync(received.AddDays(31), NpgsqlDbType.TimestampTz, ct);
                }

                await importer.CompleteAsync(ct);
            }

            await using (var analyse = dataSource.CreateCommand("analyze gov.requests"))
            {
                await analyse.ExecuteNonQueryAsync(ct);
            }

            output.WriteLine($"Request list benchmark: {count:N0} requests loaded in {fill.Elapsed.TotalSeconds:F1} s");
            var list = new RequestList(new GovernanceDatabase(dataSource), TimeProvider.System);
            var cases = new (string Name, RequestFilter Filter, RequestSort Sort, int Offset)[]
            {
                ("all, due soonest", new RequestFilter(), RequestSort.DueSoonest, 0),
                ("all, newest, page 20", new RequestFilter(), RequestSort.NewestFirst, 950),
                ("state InReview", new RequestFilter(State: nameof(RequestState.InReview)), RequestSort.DueSoonest, 0),
                ("regime + type", new RequestFilter(Regime: "ccpa", Type: "erasure"), RequestSort.DueSoonest, 0),
                ("overdue", new RequestFilter(OverdueOnly: true), RequestSort.DueSoonest, 0),
            };
            foreach (var (name, filter, sort, offset) in cases)
            {
                var times = new List<double>();
                for (var i = 0; i < 45; i++)
                {
                    var clock = Stopwatch.StartNew();
                    await list.PageAsync(filter, sort, offset, 50, ct);
                    if (i >= 5)
                    {
                        times.Add(clock.Elapsed.TotalMilliseconds);
                    }
                }

                times.Sort();
                output.WriteLine($"list, {name,-22}: p50 {times[times.Count / 2],6:F1} ms, p95 {times[(int)(times.Count * 0.95)],6:F1} ms");
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            var b = new NpgsqlConnectionStringBuilder(scratch);
            var name = b.Database;
            b.Database = "postgres";
            await using var connection = new NpgsqlConnection(b.ConnectionString);
            await connection.OpenAsync(CancellationToken.None);
            await using var drop = new NpgsqlCommand($"drop database if exists \"{name}\" with (force)", connection);
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
