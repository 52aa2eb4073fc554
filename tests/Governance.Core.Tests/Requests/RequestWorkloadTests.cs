using Governance.Core.Database;
using Governance.Core.Requests;
using Governance.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Governance.Core.Tests.Requests;

/// <summary>The dashboard's figures against requests written here with SQL, on a known day (Friday 20 March 2026, UTC).</summary>
public sealed class RequestWorkloadTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 20, 9, 0, 0, TimeSpan.Zero));
    private string _admin = "";
    private string _app = "";

    public async Task InitializeAsync() => (_admin, _app) = await MigratedDatabase.CreateAsync("workload");

    public Task DisposeAsync() => TestPostgres.DropDatabaseAsync(_admin);

    private async Task<Guid> RequestAsync(string reference, string state, string receivedAt, string dueOn, string? extendedTo = null)
    {
        var id = Guid.NewGuid();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var insert = new NpgsqlCommand("""
            insert into gov.requests (id, reference, regime, type, state, channel, subject_email, received_at, received_on, due_on, due_at, extended_due_on)
            values (@id, @reference, 'gdpr', 'access', @state, 'email', 'someone@example.org', @received::timestamptz, (@received::timestamptz at time zone 'UTC')::date,
                    @due::date, @due::date + time '23:59', @extended::date)
            """, connection);
        insert.Parameters.AddWithValue("id", id);
        insert.Parameters.AddWithValue("reference", reference);
        insert.Parameters.AddWithValue("state", state);
        insert.Parameters.AddWithValue("received", receivedAt);
        insert.Parameters.AddWithValue("due", dueOn);
        insert.Parameters.AddWithValue("extended", (object?)extendedTo ?? DBNull.Value);
        await insert.ExecuteNonQueryAsync();
        return id;
    }

    private async Task EventAsync(Guid request, string at, string from, string to)
    {
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var insert = new NpgsqlCommand("""
            insert into gov.request_events (request_id, occurred_at, actor_id, action, from_state, to_state, reason)
            values (@request, @at::timestamptz, 'local:1', 'step', @from, @to, 'test')
            """, connection);
        insert.Parameters.AddWithValue("request", request);
        insert.Parameters.AddWithValue("at", at);
        insert.Parameters.AddWithValue("from", from);
        insert.Parameters.AddWithValue("to", to);
        await insert.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Figures_CountOpenDueOverdue_BurnDown_AndWeeks_FromTheRequestsAsTheyAre()
    {
        await RequestAsync("DSR-A", "InReview", "2026-02-16 10:00Z", "2026-03-18");                      // overdue by two days
        await RequestAsync("DSR-B", "Received", "2026-02-20 10:00Z", "2026-03-20");                      // due today
        await RequestAsync("DSR-C", "Verifying", "2026-02-25 10:00Z", "2026-03-27");                     // due in seven days
        await RequestAsync("DSR-D", "InReview", "2026-02-17 10:00Z", "2026-03-19", extendedTo: "2026-04-10"); // extended: not overdue
        await RequestAsync("DSR-E", "Approved", "2026-03-01 23:30Z", "2026-05-01");                      // a Sunday night; due beyond 30 days
        var f = await RequestAsync("DSR-F", "Completed", "2026-02-10 10:00Z", "2026-03-10");
        await EventAsync(f, "2026-03-02 10:00Z", "InReview", "Approved");
        await EventAsync(f, "2026-03-16 10:00Z", "Processing", "Completed");
        var g = await RequestAsync("DSR-G", "Withdrawn", "2026-03-17 08:00Z", "2026-04-17");
        await EventAsync(g, "2026-03-17 09:00Z", "Received", "Verifying");
        await EventAsync(g, "2026-03-19 15:00Z", "Verifying", "Withdrawn");
        var h = await RequestAsync("DSR-H", "Denied", "2026-01-20 10:00Z", "2026-02-20");               // received before the eight weeks
        await EventAsync(h, "2026-01-30 10:00Z", "InReview", "Denied");

        var figures = await new RequestWorkload(new GovernanceDatabase(NpgsqlDataSource.Create(_app)), Options.Create(new RequestOptions { DueSoonDays = 7 }), _time).GetAsync(CancellationToken.None);

        Assert.Equal(new DateOnly(2026, 3, 20), figures.Today);
        Assert.Equal([new("Received", 1), new("Verifying", 1), new("InReview", 2), new("Approved", 1)], figures.OpenByState);
        Assert.Equal(5, figures.Open);
        Assert.Equal(1, figures.Overdue);
        Assert.Equal(2, figures.DueSoon);     // today and the seventh day: both ends count

        Assert.Equal(30, figures.BurnDown.Count);
        Assert.Equal(new DeadlineDay(new DateOnly(2026, 3, 20), 1, 3), figures.BurnDown[0]);   // five open, one overdue, one due today
        Assert.Equal(new DeadlineDay(new DateOnly(2026, 3, 27), 1, 2), figures.BurnDown[7]);
        Assert.Equal(new DeadlineDay(new DateOnly(2026, 4, 10), 1, 1), figures.BurnDown[21]);
        Assert.Equal(new DeadlineDay(new DateOnly(2026, 4, 18), 0, 1), figures.BurnDown[^1]);  // the one due in May is still ahead
        Assert.Equal(3, figures.BurnDown.Sum(d => d.DueThatDay));

        Assert.Equal(
            [
                new(new DateOnly(2026, 1, 26), 0, 1),  // H closed on Friday 30 January
                new(new DateOnly(2026, 2, 2), 0, 0),
                new(new DateOnly(2026, 2, 9), 1, 0),   // F
                new(new DateOnly(2026, 2, 16), 3, 0),  // A, D, B
                new(new DateOnly(2026, 2, 23), 2, 0),  // C, and E on the Sunday night
                new(new DateOnly(2026, 3, 2), 0, 0),   // F's approval is not a closing
                new(new DateOnly(2026, 3, 9), 0, 0),
                new(new DateOnly(2026, 3, 16), 1, 2),  // G received; F completed, G withdrawn
            ],
            figures.Weeks);
    }

    [Fact]
    public async Task Figures_OfAnEmptyConsole_AreZeroes_WithEveryDayAndWeekPresent()
    {
        var figures = await new RequestWorkload(new GovernanceDatabase(NpgsqlDataSource.Create(_app)), Options.Create(new RequestOptions { DueSoonDays = 7 }), _time).GetAsync(CancellationToken.None);

        Assert.Empty(figures.OpenByState);
        Assert.Equal((0, 0, 0), (figures.Open, figures.Overdue, figures.DueSoon));
        Assert.All(figures.BurnDown, d => Assert.Equal((0, 0), (d.DueThatDay, d.StillAhead)));
        Assert.Equal(8, figures.Weeks.Count);
        Assert.Equal(new DateOnly(2026, 3, 16), figures.Weeks[^1].Monday);
        Assert.All(figures.Weeks, w => Assert.Equal(DayOfWeek.Monday, w.Monday.DayOfWeek));
    }
}
