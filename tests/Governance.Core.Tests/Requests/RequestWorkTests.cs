using System.Security.Cryptography;
using System.Text;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Requests;
using Governance.Core.Tests.DataMap;
using Governance.Core.Validation;
using Governance.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Governance.Core.Tests.Requests;

/// <summary>Staff intake, verification evidence, assignment, notes and protected attachments, on a real database.</summary>
public sealed class RequestWorkTests(MigratedDatabase db) : IClassFixture<MigratedDatabase>
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    private static readonly AuditActor Officer = new(AuditActorType.User, "local:41", ["PrivacyOfficer"], "192.0.2.9");

    private GovernanceDatabase Database() => new(NpgsqlDataSource.Create(db.AppConnectionString));

    private RequestIntake Intake()
    {
        var database = Database();
        var regulations = new RegulationsCatalog(Options.Create(new DataMapOptions { Directory = DataMapLoaderTests.PoliciesFolder() }));
        return new RequestIntake(database, new AuditLog(database, new AuditSealSignal()), regulations, _time);
    }

    private RequestWork Work(TimeProvider? time = null)
    {
        var database = Database();
        return new RequestWork(database, new AuditLog(database, new AuditSealSignal()), time ?? _time);
    }

    private TransitionRequest Transitions()
    {
        var database = Database();
        return new TransitionRequest(database, new AuditLog(database, new AuditSealSignal()), _time, Support.ShippedRegulations.Catalog());
    }

    private RequestAttachments Attachments(string keys)
    {
        var database = Database();
        return new RequestAttachments(database, new AuditLog(database, new AuditSealSignal()), DataProtectionProvider.Create(new DirectoryInfo(keys)),
            Options.Create(new RequestOptions { AttachmentMaxBytes = 4096 }), _time);
    }

    private async Task<Guid> LetterAsync(bool agent = false) =>
        (await Intake().SubmitAsync(new NewRequest("gdpr", "access", "writer@example.org", null, null, agent, _time.GetUtcNow().AddDays(-1),
            agent ? "Example Rights Ltd" : null, agent ? "signed permission dated 2026-02-27" : null, "letter scanned by the front desk"), "letter", Officer, null, null, CancellationToken.None)).Id;

    private Task<long> CountAsync(string sql) => TestPostgres.ScalarAsync<long>(db.ConnectionString, sql);

    [Fact]
    public async Task View_IsAuditedOncePerPersonAndMinute_AnotherPersonOrALaterViewIsAnotherEntry()
    {
        var id = await LetterAsync();
        var lawyer = new AuditActor(AuditActorType.User, "local:42", ["Legal"], "192.0.2.10");
        // Audit entries carry the server's time: the clock that decides "within a minute" starts at the present.
        var now = new FakeTimeProvider(DateTimeOffset.UtcNow);
        string Views() => $"select count(*) from gov.audit_log where action = 'request.view' and request_id = '{id}'";

        await Work(now).ViewAsync(id, Officer, CancellationToken.None);
        await Work(now).ViewAsync(id, Officer, CancellationToken.None); // the same page becoming interactive
        Assert.Equal(1, await CountAsync(Views()));
        await Work(now).ViewAsync(id, lawyer, CancellationToken.None);
        now.Advance(TimeSpan.FromMinutes(2));
        await Work(now).ViewAsync(id, Officer, CancellationToken.None);
        await Work().GetAsync(id, CancellationToken.None); // internal reads are not views

        Assert.Equal(3, await CountAsync(Views()));
        Assert.Equal(2, await CountAsync(Views() + " and actor_id = 'local:41'"));
        Assert.Null(await Work(now).ViewAsync(Guid.CreateVersion7(), Officer, CancellationToken.None));
    }

    [Fact]
    public async Task StaffIntake_WithAgent_KeepsTheAgentAndTheNote_AndTheDetailShowsThem()
    {
        var id = await LetterAsync(agent: true);

        var detail = await Work().GetAsync(id, CancellationToken.None);

        Assert.NotNull(detail);
        Assert.Equal("letter", detail.Channel);
        Assert.True(detail.AuthorisedAgent);
        Assert.Equal("Example Rights Ltd", detail.AgentName);
        Assert.Equal("signed permission dated 2026-02-27", detail.AgentEvidence);
        Assert.Equal("letter scanned by the front desk", detail.StaffNote);
        Assert.Equal(RequestState.Received, detail.State);
        Assert.Equal([RequestAction.StartVerification, RequestAction.Deny, RequestAction.Hold, RequestAction.Withdraw, RequestAction.StopClock, RequestAction.CloseAsDuplicate],
            detail.PossibleActions);
    }

    [Theory]
    [InlineData(true, null, "agentName")]
    [InlineData(false, "Someone", "authorisedAgent")]
    public async Task StaffIntake_InconsistentAgentFields_AreRefusedByFieldAndNothingIsWritten(bool agent, string? agentName, string field)
    {
        var before = await CountAsync("select count(*) from gov.requests");

        var ex = await Assert.ThrowsAsync<ValidationException>(() => Intake().SubmitAsync(
            new NewRequest("gdpr", "access", "writer@example.org", null, null, agent, null, agentName), "phone", Officer, null, null, CancellationToken.None));

        Assert.Contains(field, ex.Errors.Keys);
        Assert.Equal(before, await CountAsync("select count(*) from gov.requests"));
    }

    [Fact]
    public async Task StaffIntake_UnknownChannel_IsRefused()
    {
        var ex = await Assert.ThrowsAsync<ValidationException>(() => Intake().SubmitAsync(
            new NewRequest("gdpr", "access", "writer@example.org", null, null, false, null), "fax", Officer, null, null, CancellationToken.None));

        Assert.Contains("channel", ex.Errors.Keys);
    }

    [Fact]
    public async Task Verify_RecordsMethodEvidenceVerifierAndTime()
    {
        var id = await LetterAsync();
        await Transitions().ExecuteAsync(new TransitionCommand(id, RequestAction.StartVerification, "asked for ID"), Officer, CancellationToken.None);

        await Transitions().ExecuteAsync(new TransitionCommand(id, RequestAction.Verify, "passport seen", VerificationMethod: "document-check", VerificationNote: "passport seen MARK-VERIFY-NOTE"), Officer, CancellationToken.None);

        var detail = (await Work().GetAsync(id, CancellationToken.None))!;
        Assert.True(detail.IdentityVerified);
        Assert.Equal("document-check", detail.VerificationMethod);
        Assert.Equal("local:41", detail.VerifiedBy);
        Assert.Equal(_time.GetUtcNow(), detail.VerifiedAt);
        Assert.Equal("passport seen MARK-VERIFY-NOTE", detail.VerificationNote);
        Assert.Equal(0, await CountAsync("select count(*) from gov.audit_log where details::text like '%MARK-VERIFY-NOTE%'"));
    }

    [Fact]
    public async Task Assign_ToKnownStaff_IsAuditedAndShown_UnknownIsRefused()
    {
        var id = await LetterAsync();
        var database = Database();
        await new StaffDirectory(database, _time).SeenAsync("local:77", "Officer Seventy-Seven", "o77@example.internal", ["PrivacyOfficer"], CancellationToken.None);

        await new StaffDirectory(database, _time).SeenAsync("local:78", "Auditor Seventy-Eight", null, ["Auditor"], CancellationToken.None);

        await Work().AssignAsync(id, "local:77", Officer, CancellationToken.None);
        var unknown = await Assert.ThrowsAsync<ValidationException>(() => Work().AssignAsync(id, "local:999", Officer, CancellationToken.None));
        var auditor = await Assert.ThrowsAsync<ValidationException>(() => Work().AssignAsync(id, "local:78", Officer, CancellationToken.None));
        Assert.Contains("roles do not let them", auditor.Messages(), StringComparison.Ordinal);

        var assigned = (await Work().GetAsync(id, CancellationToken.None))!;
        Assert.Equal("local:77", assigned.AssigneeId);
        Assert.Equal(("Assign", "Received", "Received"), (assigned.Timeline.Single().Action, assigned.Timeline.Single().From, assigned.Timeline.Single().To));
        Assert.Equal(["assignee"], unknown.Errors.Keys);
        Assert.Equal(1, await CountAsync($"select count(*) from gov.audit_log where action = 'request.assign' and request_id = '{id}'"));
        var assignable = await new StaffDirectory(database, _time).AssignableAsync(CancellationToken.None);
        Assert.Contains(assignable, s => s.ActorId == "local:77" && s.DisplayName == "Officer Seventy-Seven");
    }

    [Fact]
    public async Task Notes_AreKeptInOrder_TheirTextStaysOutOfTheAuditLog_AnOverLongNoteWritesNothing()
    {
        var id = await LetterAsync();

        await Work().AddNoteAsync(id, "called back, no answer", Officer, CancellationToken.None);
        await Work().AddNoteAsync(id, "second call: confirmed the address", Officer, CancellationToken.None);
        await Assert.ThrowsAsync<ValidationException>(() => Work().AddNoteAsync(id, new string('x', RequestWork.MaxNote + 1), Officer, CancellationToken.None));

        var detail = (await Work().GetAsync(id, CancellationToken.None))!;
        Assert.Equal(["called back, no answer", "second call: confirmed the address"], detail.Notes.Select(n => n.Body));
        Assert.Equal(["Note", "Note"], detail.Timeline.Select(e => e.Action));
        Assert.DoesNotContain(detail.Timeline, e => e.Reason.Contains("called back", StringComparison.Ordinal));
        Assert.Equal(2, await CountAsync($"select count(*) from gov.audit_log where action = 'request.note' and request_id = '{id}'"));
        Assert.Equal(0, await CountAsync("select count(*) from gov.audit_log where details::text like '%called back%'"));
    }

    [Fact]
    public async Task Attachment_IsStoredEncrypted_ComesBackIdentical_AndTheDownloadIsAudited()
    {
        var id = await LetterAsync();
        var keys = Path.Combine(Path.GetTempPath(), "gov-keys-" + Guid.NewGuid().ToString("N")[..8]);
        var content = Encoding.UTF8.GetBytes("Dear privacy team, please send me a copy of my data. PLAINTEXT-MARKER-4711");
        try
        {
            var attachmentId = await Attachments(keys).AddAsync(id, "correspondence", "letter.txt", content, Officer, CancellationToken.None);

            var stored = await TestPostgres.ScalarAsync<byte[]>(db.ConnectionString, $"select protected from gov.request_attachments where id = '{attachmentId}'");
            Assert.DoesNotContain("PLAINTEXT-MARKER", Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), (await Work().GetAsync(id, CancellationToken.None))!.Attachments.Single().Sha256);

            var back = await Attachments(keys).OpenAsync(id, attachmentId, Officer, CancellationToken.None);
            Assert.NotNull(back);
            Assert.Equal(content, back.Content);
            Assert.Equal("text/plain", back.ContentType);
            Assert.Equal(1, await CountAsync($"select count(*) from gov.audit_log where action = 'request.attachment.download' and target_id = '{attachmentId}'"));
            Assert.Null(await Attachments(keys).OpenAsync(Guid.NewGuid(), attachmentId, Officer, CancellationToken.None));
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
        }
    }

    [Fact]
    public async Task Attachment_WhoseRecordedHashNoLongerMatches_IsRefused_AndNoDownloadIsRecorded()
    {
        var id = await LetterAsync();
        var keys = Path.Combine(Path.GetTempPath(), "gov-keys-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var attachmentId = await Attachments(keys).AddAsync(id, "correspondence", "letter.txt", Encoding.UTF8.GetBytes("the original letter"), Officer, CancellationToken.None);
            // The stored copy and its recorded hash disagree (a restored backup of one table, or tampering).
            await using (var owner = new NpgsqlConnection(db.ConnectionString))
            {
                await owner.OpenAsync();
                await using var tamper = new NpgsqlCommand($"update gov.request_attachments set sha256 = sha256(convert_to('another letter', 'UTF8')) where id = '{attachmentId}'", owner);
                await tamper.ExecuteNonQueryAsync();
            }

            await Assert.ThrowsAsync<System.Security.Cryptography.CryptographicException>(() => Attachments(keys).OpenAsync(id, attachmentId, Officer, CancellationToken.None));

            Assert.Equal(0, await CountAsync($"select count(*) from gov.audit_log where action = 'request.attachment.download' and target_id = '{attachmentId}'"));
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
        }
    }

    [Theory]
    [InlineData("../secret.pdf", 10)]
    [InlineData("dir/letter.pdf", 10)]
    [InlineData("tool.exe", 10)]
    [InlineData("letter.pdf", 0)]
    [InlineData("letter.pdf", 5000)]
    public async Task Attachment_BadNameTypeOrSize_IsRefusedAndNothingIsStored(string name, int size)
    {
        var id = await LetterAsync();
        var keys = Path.Combine(Path.GetTempPath(), "gov-keys-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var ex = await Assert.ThrowsAsync<ValidationException>(() => Attachments(keys).AddAsync(id, "correspondence", name, new byte[size], Officer, CancellationToken.None));

            Assert.Equal(["file"], ex.Errors.Keys);
            Assert.Equal(0, await CountAsync($"select count(*) from gov.request_attachments where request_id = '{id}'"));
        }
        finally
        {
            if (Directory.Exists(keys))
            {
                Directory.Delete(keys, recursive: true);
            }
        }
    }
}
