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

/// <summary>Response letters drafted from the shipped templates, and recorded with the request as sent.</summary>
public sealed class ResponseLettersTests(MigratedDatabase db) : IClassFixture<MigratedDatabase>
{
    private static readonly AuditActor Lawyer = new(AuditActorType.User, "local:7", ["Legal"], "192.0.2.1");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 2, 10, 9, 0, 0, TimeSpan.Zero));

    private (RequestIntake Intake, TransitionRequest Transition, ResponseLetters Letters) Services()
    {
        var database = new GovernanceDatabase(NpgsqlDataSource.Create(db.AppConnectionString));
        var audit = new AuditLog(database, new AuditSealSignal());
        var regulations = Support.ShippedRegulations.Catalog();
        var options = Options.Create(new DataMapOptions { Directory = DataMapLoaderTests.PoliciesFolder() });
        var attachments = new RequestAttachments(database, audit, new EphemeralDataProtectionProvider(), Options.Create(new RequestOptions()), _time);
        return (new RequestIntake(database, audit, regulations, _time), new TransitionRequest(database, audit, _time, regulations),
            new ResponseLetters(new RequestWork(database, audit, _time), attachments, regulations, options));
    }

    /// <summary>What each regime's refusal letter must say, from the law: GDPR Art. 12(4) (reasons, complaint, judicial remedy); PIPL Art. 50 (reasons, court).</summary>
    [Theory]
    [InlineData("gdpr", "en", "Article 12(4)", "Articles 77 and 79")]
    [InlineData("gdpr", "zh", "第 12(4) 条", "第 79 条")]
    [InlineData("pipl", "zh", "第五十条", "人民法院")]
    [InlineData("ccpa", "en", "Cal. Civ. Code § 1798.145(h)(3)", "cppa.ca.gov")]
    public async Task RefusalLetter_CitesTheReasonsProvision_AndTheRemedies(string regime, string language, string cites, string remedy)
    {
        var (intake, transition, letters) = Services();
        var id = (await intake.SubmitAsync(new NewRequest(regime, "access", $"{Guid.NewGuid():N}@example.org", null, null, false, null), "email", Lawyer, null, null, CancellationToken.None)).Id;
        var reason = regime == "pipl" ? "excessive" : "manifestly-unfounded";
        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.Deny, "the fifth identical request this month", DenialReason: reason), Lawyer, CancellationToken.None);
        var reference = await TestPostgres.ScalarAsync<string>(db.ConnectionString, $"select reference from gov.requests where id = '{id}'");

        var draft = await letters.DraftAsync(id, language, new DateOnly(2026, 2, 10), CancellationToken.None);

        Assert.Equal("refused", draft.Outcome);
        Assert.Equal($"letters/{regime}/refused.{language}.txt", draft.Template);
        Assert.Contains(reference, draft.Text, StringComparison.Ordinal);
        Assert.Contains(cites, draft.Text, StringComparison.Ordinal);
        Assert.Contains(remedy, draft.Text, StringComparison.Ordinal);
        Assert.Contains("the fifth identical request this month", draft.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", draft.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordSent_KeepsTheEditedLetterWithTheRequest_HashedAndAudited()
    {
        var (intake, transition, letters) = Services();
        var id = (await intake.SubmitAsync(new NewRequest("gdpr", "erasure", $"{Guid.NewGuid():N}@example.org", null, null, false, null), "email", Lawyer, null, null, CancellationToken.None)).Id;
        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.Withdraw, "the person wrote to withdraw it"), Lawyer, CancellationToken.None);
        var draft = await letters.DraftAsync(id, "en", new DateOnly(2026, 2, 10), CancellationToken.None);
        var edited = draft.Text + "\nWith our regards,\nThe privacy team\n";

        await letters.RecordSentAsync(id, draft, edited, Lawyer, CancellationToken.None);

        Assert.Equal("withdrawn", draft.Outcome);
        Assert.Equal($"response-letter|{draft.FileName}|{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(edited)))}",
            await TestPostgres.ScalarAsync<string>(db.ConnectionString, $"select kind || '|' || file_name || '|' || encode(sha256, 'hex') from gov.request_attachments where request_id = '{id}'"));
        Assert.Equal(1, await TestPostgres.ScalarAsync<long>(db.ConnectionString, $"select count(*) from gov.audit_log where request_id = '{id}' and action = 'request.attachment.add' and details->>'kind' = 'response-letter'"));
    }

    [Fact]
    public async Task ExtensionNotice_GivesTheNewDueDate_AndTheReasons()
    {
        var (intake, transition, letters) = Services();
        var id = (await intake.SubmitAsync(new NewRequest("gdpr", "access", $"{Guid.NewGuid():N}@example.org", null, null, false, null), "email", Lawyer, null, null, CancellationToken.None)).Id;
        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.StartVerification, "code sent"), Lawyer, CancellationToken.None);
        await transition.ExecuteAsync(new TransitionCommand(id, RequestAction.Extend, "eleven years of messages in three regions",
            NewDueDate: new DateOnly(2026, 5, 11), PersonToldOn: new DateOnly(2026, 2, 10)), Lawyer, CancellationToken.None);

        var draft = await letters.DraftAsync(id, "en", new DateOnly(2026, 2, 10), CancellationToken.None);

        Assert.Equal("extended", draft.Outcome);
        Assert.Contains("by 2026-05-11", draft.Text, StringComparison.Ordinal);
        Assert.Contains("Why: eleven years of messages in three regions", draft.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Draft_OfAnOpenRequest_IsRefused()
    {
        var (intake, _, letters) = Services();
        var id = (await intake.SubmitAsync(new NewRequest("gdpr", "access", $"{Guid.NewGuid():N}@example.org", null, null, false, null), "email", Lawyer, null, null, CancellationToken.None)).Id;

        Assert.Equal("request", Assert.Single((await Assert.ThrowsAsync<ValidationException>(() => letters.DraftAsync(id, "en", new DateOnly(2026, 2, 10), CancellationToken.None))).Errors).Key);
    }

    [Fact]
    public void Template_WithAnUnknownPlaceholder_IsRefusedWithItsFileAndLine()
    {
        var error = Assert.Throws<LetterTemplateException>(() =>
            ResponseLetters.Fill("letters/x.en.txt", "Dear {{name}},\nyour request {{reference}}\nof {{ received_at }}", new Dictionary<string, string>()));

        Assert.StartsWith("letters/x.en.txt:1: unknown placeholder '{{name}}'", error.Message, StringComparison.Ordinal);
        Assert.Equal([1, 3], ResponseLetters.Problems("Dear {{name}},\n{{reference}}\n{{ received_at }}").Select(p => p.Line));
    }

    /// <summary>Every closing outcome (completed, refused, withdrawn, duplicate) has a letter for every shipped regime in both languages.</summary>
    [Theory]
    [InlineData("gdpr")]
    [InlineData("ccpa")]
    [InlineData("pipl")]
    public void EveryRegime_HasALetterForEveryOutcome_InBothLanguages(string regime)
    {
        var (_, _, letters) = Services();
        foreach (var outcome in new[] { "completed", "refused", "withdrawn", "duplicate", "extended", "information-needed" })
        {
            foreach (var language in new[] { "en", "zh" })
            {
                var file = letters.TemplateFor(regime, "access", outcome, language);
                Assert.True(file is not null, $"{regime} {outcome} {language}");
                Assert.Empty(ResponseLetters.Problems(File.ReadAllText(file!)));
            }
        }
    }
}
