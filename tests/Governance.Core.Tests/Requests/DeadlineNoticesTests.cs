using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Requests;
using Governance.Core.Tests.DataMap;
using Governance.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Governance.Core.Tests.Requests;

/// <summary>The daily deadline job against a real database and a real SMTP server; each test has its own database.</summary>
public sealed class DeadlineNoticesTests : IAsyncLifetime
{
    private static readonly AuditActor Clerk = new(AuditActorType.User, "local:1", ["PrivacyOfficer"]);
    private static readonly AuditActor Job = AuditActor.Job("request-deadlines");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 20, 6, 0, 0, TimeSpan.Zero));
    private string _admin = "";
    private string _app = "";

    public async Task InitializeAsync() => (_admin, _app) = await MigratedDatabase.CreateAsync("deadlines");

    public Task DisposeAsync() => TestPostgres.DropDatabaseAsync(_admin);

    private GovernanceDatabase Database() => new(NpgsqlDataSource.Create(_app));

    private DeadlineNotices Notices(int smtpPort, params NoticeMailbox[] mailboxes)
    {
        var database = Database();
        var smtp = Options.Create(new SmtpOptions { Host = smtpPort == 0 ? "" : "127.0.0.1", Port = smtpPort, Security = "None", From = "console@example.internal" });
        return new DeadlineNotices(database, new AuditLog(database, new AuditSealSignal()), new SmtpNoticeMailer(smtp),
            Options.Create(new RequestOptions { DueSoonDays = 7, ConsoleUrl = "https://governance.example.internal" }), _time, NullLogger<DeadlineNotices>.Instance,
            Options.Create(new NotificationOptions { Mailboxes = [.. mailboxes] }));
    }

    /// <summary>A GDPR request received on the given day (due one month later) with the given state.</summary>
    private async Task<(Guid Id, string Reference)> RequestAsync(DateOnly receivedOn, string? assignee = null, bool close = false)
    {
        var database = Database();
        var audit = new AuditLog(database, new AuditSealSignal());
        var regulations = new RegulationsCatalog(Options.Create(new DataMapOptions { Directory = DataMapLoaderTests.PoliciesFolder() }));
        var intake = new RequestIntake(database, audit, regulations, _time);
        var submitted = await intake.SubmitAsync(new NewRequest("gdpr", "access", "subject-person@example.org", null, null, false,
            new DateTimeOffset(receivedOn.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero)), "email", Clerk, null, null, CancellationToken.None);
        if (assignee is not null)
        {
            await new RequestWork(database, audit, _time).AssignAsync(submitted.Id, assignee, Clerk, CancellationToken.None);
        }

        if (close)
        {
            await new TransitionRequest(database, audit, _time, Support.ShippedRegulations.Catalog()).ExecuteAsync(new TransitionCommand(submitted.Id, RequestAction.Withdraw, "withdrawn by phone"), Clerk, CancellationToken.None);
        }

        return (submitted.Id, submitted.Reference);
    }

    private async Task StaffAsync()
    {
        var staff = new StaffDirectory(Database(), _time);
        await staff.SeenAsync("local:10", "Assigned Officer", "assigned@example.internal", ["PrivacyOfficer"], CancellationToken.None);
        await staff.SeenAsync("local:11", "Other Officer", "other@example.internal", ["PrivacyOfficer"], CancellationToken.None);
        await staff.SeenAsync("local:12", "A Lawyer", "lawyer@example.internal", ["Legal"], CancellationToken.None);
    }

    [Fact]
    public async Task Run_FlagsDueSoonAndOverdueOpenRequests_ForTheAssigneeOrEveryOfficer_AndNothingTwice()
    {
        await StaffAsync();
        var overdue = await RequestAsync(new DateOnly(2026, 2, 2), assignee: "local:10");   // due 2 Mar: overdue on 20 Mar
        var soon = await RequestAsync(new DateOnly(2026, 2, 24));                            // due 24 Mar: within 7 days, unassigned
        await RequestAsync(new DateOnly(2026, 3, 15));                                       // due 15 Apr: not yet
        await RequestAsync(new DateOnly(2026, 2, 3), close: true);                           // withdrawn: never

        var first = await Notices(0).RunAsync(Job, CancellationToken.None);
        var second = await Notices(0).RunAsync(Job, CancellationToken.None);

        Assert.Equal(3, first.Flagged);   // overdue -> its assignee; due soon -> both officers (the lawyer is not an officer)
        Assert.Equal(0, second.Flagged);
        Assert.False(first.EmailEnabled);
        var inbox = new NoticeInbox(Database(), _time);
        var assigned = await inbox.UnreadAsync("local:10", 10, CancellationToken.None);
        Assert.Equal([(overdue.Reference, "overdue"), (soon.Reference, "due-soon")], assigned.Select(n => (n.Reference, n.Kind)));
        Assert.Equal([soon.Reference], (await inbox.UnreadAsync("local:11", 10, CancellationToken.None)).Select(n => n.Reference));
        Assert.Empty(await inbox.UnreadAsync("local:12", 10, CancellationToken.None));

        await inbox.MarkReadAsync("local:11", assigned[0].Id, CancellationToken.None); // someone else's notice: unchanged
        await inbox.MarkReadAsync("local:10", assigned[0].Id, CancellationToken.None);
        Assert.Single(await inbox.UnreadAsync("local:10", 10, CancellationToken.None));
        Assert.Equal(2, await TestPostgres.ScalarAsync<long>(_admin, "select count(*) from gov.audit_log where action = 'request.deadlines'"));
    }

    [Fact]
    public async Task Run_UnassignedRequest_ReachesAdminsAndOfficersWhoNeverSignedIn_NotDisabledOnesNorLawyers()
    {
        async Task<string> AccountAsync(string name, string role, bool disabled = false) =>
            "local:" + await TestPostgres.ScalarAsync<long>(_admin,
                $"insert into gov.local_accounts (user_name, password_hash, roles, disabled_at) values ('{name}', 'x', array['{role}'], {(disabled ? "now()" : "null")}) returning id");
        var admin = await AccountAsync("new-admin", "Admin");
        var officer = await AccountAsync("new-officer", "PrivacyOfficer");
        var gone = await AccountAsync("gone-officer", "PrivacyOfficer", disabled: true);
        var lawyer = await AccountAsync("new-lawyer", "Legal");
        var soon = await RequestAsync(new DateOnly(2026, 2, 24));   // due 24 Mar, unassigned; nobody has signed in

        var scan = await Notices(0).RunAsync(Job, CancellationToken.None);

        Assert.Equal(2, scan.Flagged);
        var inbox = new NoticeInbox(Database(), _time);
        Assert.Equal([soon.Reference], (await inbox.UnreadAsync(admin, 10, CancellationToken.None)).Select(n => n.Reference));
        Assert.Equal([soon.Reference], (await inbox.UnreadAsync(officer, 10, CancellationToken.None)).Select(n => n.Reference));
        Assert.Empty(await inbox.UnreadAsync(gone, 10, CancellationToken.None));
        Assert.Empty(await inbox.UnreadAsync(lawyer, 10, CancellationToken.None));
    }

    [Fact]
    public async Task Run_WithSmtp_SendsOneDigestPerPerson_NamingReferencesNotThePerson()
    {
        await StaffAsync();
        var overdue = await RequestAsync(new DateOnly(2026, 2, 2), assignee: "local:10");
        var soon = await RequestAsync(new DateOnly(2026, 2, 24), assignee: "local:10");
        await using var smtp = await SmtpSink.StartAsync();

        var scan = await Notices(smtp.Port).RunAsync(Job, CancellationToken.None);
        var again = await Notices(smtp.Port).RunAsync(Job, CancellationToken.None);

        Assert.Equal((2, 1, 0), (scan.Flagged, scan.Emailed, scan.EmailFailures));
        Assert.Equal(0, again.Emailed);
        var message = Assert.Single(smtp.Messages());
        Assert.Contains("To: assigned@example.internal", message, StringComparison.Ordinal);
        Assert.Contains("Subject: 1 data-subject requests overdue", message, StringComparison.Ordinal);
        Assert.Contains(overdue.Reference, message, StringComparison.Ordinal);
        Assert.Contains(soon.Reference, message, StringComparison.Ordinal);
        Assert.Contains("https://governance.example.internal/requests", message, StringComparison.Ordinal);
        Assert.DoesNotContain("subject-person", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithATeamMailbox_ItHearsOfEveryFlaggedRequest_AssignedOrNot_InItsLanguage_Once()
    {
        await StaffAsync();
        var overdue = await RequestAsync(new DateOnly(2026, 2, 2), assignee: "local:10");
        var soon = await RequestAsync(new DateOnly(2026, 2, 24));
        var team = new NoticeMailbox { Address = "Privacy-Team@example.internal", Language = "zh-CN" };
        await using var smtp = await SmtpSink.StartAsync();

        await Notices(smtp.Port, team).RunAsync(Job, CancellationToken.None);
        var again = await Notices(smtp.Port, team).RunAsync(Job, CancellationToken.None);

        Assert.Equal(0, again.Flagged + again.Emailed);
        Assert.Equal(2L, await TestPostgres.ScalarAsync<long>(_admin, "select count(*) from gov.notices where recipient_id = 'mailbox:privacy-team@example.internal'"));
        var messages = smtp.Messages().Select(m => MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(m)))).ToList();
        var digest = Assert.Single(messages, m => m.To.ToString().Contains("Privacy-Team@example.internal", StringComparison.Ordinal));
        Assert.Equal("1 件数据主体请求已逾期", digest.Subject);
        Assert.Contains(overdue.Reference, digest.TextBody, StringComparison.Ordinal);
        Assert.Contains(soon.Reference, digest.TextBody, StringComparison.Ordinal);
        // The people still get theirs: the assignee of the overdue one, and both officers of the unassigned one.
        Assert.Equal(["assigned@example.internal", "other@example.internal"], messages.Select(m => m.To.Mailboxes.Single().Address)
            .Where(a => a.EndsWith("@example.internal", StringComparison.Ordinal) && !a.StartsWith("Privacy", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("privacy@example.internal", "zh-CN", "privacy@example.internal", "en", "Notifications:Mailboxes names an address twice.")]
    [InlineData("privacy@example.internal", "en", "not an address", "en", "Notifications:Mailboxes:1:Address must be an e-mail address.")]
    [InlineData("privacy@example.internal", "fr", "legal@example.internal", "en", "Notifications:Mailboxes:0:Language must be en or zh-CN.")]
    [InlineData("privacy@example.internal", "zh-CN", "legal@example.internal", "en", null)]
    public void Mailboxes_AreCheckedAtStart_NamingTheSetting(string first, string firstLanguage, string second, string secondLanguage, string? problem)
    {
        var options = new NotificationOptions { Mailboxes = [new() { Address = first, Language = firstLanguage }, new() { Address = second, Language = secondLanguage }] };

        Assert.Equal(problem, options.Problem());
    }

    [Fact]
    public async Task Run_WithSmtp_WritesToEachPersonInTheLanguageTheyChose()
    {
        var staff = new StaffDirectory(Database(), _time);
        await staff.SeenAsync("local:20", "Chinese Officer", "zh-officer@example.internal", ["PrivacyOfficer"], CancellationToken.None, language: "en");
        await staff.SetLanguageAsync("local:20", "zh-CN", CancellationToken.None);   // chosen later: the choice wins
        await staff.SeenAsync("local:21", "English Officer", "en-officer@example.internal", ["Legal"], CancellationToken.None);
        var overdue = await RequestAsync(new DateOnly(2026, 2, 2), assignee: "local:20");
        var other = await RequestAsync(new DateOnly(2026, 2, 3), assignee: "local:21");
        await using var smtp = await SmtpSink.StartAsync();

        await Notices(smtp.Port).RunAsync(Job, CancellationToken.None);

        var messages = smtp.Messages().Select(m => MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(m)))).ToList();
        var zh = Assert.Single(messages, m => m.To.ToString().Contains("zh-officer", StringComparison.Ordinal));
        Assert.Equal("1 件数据主体请求已逾期", zh.Subject);
        Assert.Contains($"{overdue.Reference}  已逾期  截止日期 2026-03-02", zh.TextBody, StringComparison.Ordinal);
        var en = Assert.Single(messages, m => m.To.ToString().Contains("en-officer", StringComparison.Ordinal));
        Assert.Equal("1 data-subject requests overdue", en.Subject);
        Assert.Contains($"{other.Reference}  overdue  due 2026-03-03", en.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WhenSmtpIsDown_KeepsTheNotices_AuditsTheFailure_AndSendsAtTheNextRun()
    {
        await StaffAsync();
        await RequestAsync(new DateOnly(2026, 2, 2), assignee: "local:10");
        var port = SmtpSink.FreePort();

        var down = await Notices(port).RunAsync(Job, CancellationToken.None);

        Assert.Equal((1, 0, 1), (down.Flagged, down.Emailed, down.EmailFailures));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(_admin, "select count(*) from gov.audit_log where action = 'request.deadlines' and outcome = 'failure'"));
        await using var smtp = await SmtpSink.StartAsync();
        var up = await Notices(smtp.Port).RunAsync(Job, CancellationToken.None);
        Assert.Equal((0, 1, 0), (up.Flagged, up.Emailed, up.EmailFailures));
        Assert.Single(smtp.Messages());
    }

    [Fact]
    public async Task Notices_OfARequestClosedSinceTheRun_LeaveTheInboxAndAreNotEmailed()
    {
        await StaffAsync();
        var overdue = await RequestAsync(new DateOnly(2026, 2, 2), assignee: "local:10");
        await Notices(0).RunAsync(Job, CancellationToken.None);
        var database = Database();
        await new TransitionRequest(database, new AuditLog(database, new AuditSealSignal()), _time, Support.ShippedRegulations.Catalog())
            .ExecuteAsync(new TransitionCommand(overdue.Id, RequestAction.Withdraw, "withdrawn by letter"), Clerk, CancellationToken.None);
        await using var smtp = await SmtpSink.StartAsync();

        var later = await Notices(smtp.Port).RunAsync(Job, CancellationToken.None);

        Assert.Empty(await new NoticeInbox(Database(), _time).UnreadAsync("local:10", 10, CancellationToken.None));
        Assert.Equal((0, 0), (later.Flagged, later.Emailed));
        Assert.Empty(smtp.Messages());
    }
}
