using System.Globalization;
using System.Text;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.Database;
using Governance.Core.Security;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Governance.Core.Requests;

public sealed record Notice(long Id, Guid RequestId, string Reference, string Kind, DateOnly DueOn, DateTimeOffset CreatedAt);

public sealed record DeadlineScan(int Flagged, int Emailed, int EmailFailures, bool EmailEnabled);

/// <summary>Sends one notice e-mail. The body names request references and dates only, never the person.</summary>
public interface INoticeMailer
{
    bool Enabled { get; }

    Task SendAsync(string to, string subject, string body, CancellationToken ct);
}

/// <summary>E-mail through the SMTP server of <c>Notifications:Smtp</c> (MailKit).</summary>
public sealed class SmtpNoticeMailer(IOptions<SmtpOptions> options) : INoticeMailer
{
    public bool Enabled => options.Value.Enabled;

    public async Task SendAsync(string to, string subject, string body, CancellationToken ct)
    {
        var o = options.Value;
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(o.From));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = body };
        using var client = new SmtpClient();
        var security = o.Security switch
        {
            "None" => SecureSocketOptions.None,
            "SslOnConnect" => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTls,
        };
        await client.ConnectAsync(o.Host, o.Port, security, ct);
        if (!string.IsNullOrEmpty(o.UserName))
        {
            await client.AuthenticateAsync(o.UserName, o.Password, ct);
        }

        await client.SendAsync(message, ct);
        await client.DisconnectAsync(true, ct);
    }
}

/// <summary>
/// The daily deadline check: every open request due within <see cref="RequestOptions.DueSoonDays"/> days, or
/// overdue, gets a notice for its assignee (for every privacy officer and admin while unassigned) and for each shared
/// mailbox of <c>Notifications:Mailboxes</c>: in the console, and by e-mail when SMTP is configured and the address
/// is known. Running twice a day repeats nothing; an e-mail that failed is tried again at the next run.
/// </summary>
public sealed class DeadlineNotices(GovernanceDatabase database, AuditLog audit, INoticeMailer mailer, IOptions<RequestOptions> options, TimeProvider time, ILogger<DeadlineNotices> log,
    IOptions<NotificationOptions>? notifications = null)
{
    private IReadOnlyList<NoticeMailbox> Mailboxes => notifications?.Value.Mailboxes ?? [];

    /// <summary>
    /// Who hears of an unassigned request: privacy officers and admins, whether or not they have signed in yet (local
    /// accounts are known from the day they are made; people of an identity provider from their first sign-in).
    /// </summary>
    public static readonly string[] UnassignedGoTo = [Roles.PrivacyOfficer, Roles.Admin];

    public async Task<DeadlineScan> RunAsync(AuditActor actor, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        await using var connection = await database.OpenAsync(ct);
        // Each flagged request reaches its assignee (every privacy officer and admin while it has none) and every
        // shared mailbox of the team, assigned or not.
        var flagged = await connection.ExecuteAsync(new CommandDefinition("""
            insert into gov.notices (recipient_id, request_id, kind, due_on, created_at)
            select t.recipient, r.id, case when r.due < @today then 'overdue' else 'due-soon' end, r.due, @now
            from (select id, assignee_id, coalesce(extended_due_on, due_on) as due from gov.requests
                  where state <> all(@notRunning) and coalesce(extended_due_on, due_on) <= @soon) r
            cross join lateral (
                select r.assignee_id where r.assignee_id is not null
                union select actor_id from gov.staff where r.assignee_id is null and roles && @leads
                union select 'local:' || id from gov.local_accounts where r.assignee_id is null and disabled_at is null and roles && @leads
                union select unnest(@mailboxes)) t(recipient)
            on conflict on constraint notices_once do nothing
            """, new
            {
                today, now, notRunning = RequestStateMachine.ClockNotRunning, soon = today.AddDays(options.Value.DueSoonDays), leads = UnassignedGoTo,
                mailboxes = Mailboxes.Select(m => m.RecipientId).ToArray(),
            }, cancellationToken: ct));

        var (emailed, failures) = mailer.Enabled ? await EmailAsync(connection, ct) : (0, 0);
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            await audit.AppendAsync(connection, tx, new AuditRecord(actor, "request.deadlines", failures == 0 ? AuditOutcome.Success : AuditOutcome.Failure, "job", "request-deadlines", null,
                new Dictionary<string, object?> { ["flagged"] = flagged, ["emailed"] = emailed, ["emailFailures"] = failures }), ct);
            await tx.CommitAsync(ct);
        }

        audit.Committed();
        log.LogInformation("Deadline check: {Flagged} notices, {Emailed} e-mails, {Failures} e-mail failures", flagged, emailed, failures);
        return new DeadlineScan(flagged, emailed, failures, mailer.Enabled);
    }

    private async Task<(int Emailed, int Failures)> EmailAsync(Npgsql.NpgsqlConnection connection, CancellationToken ct)
    {
        var pending = (await connection.QueryAsync<(long Id, string Recipient, string Email, string? Language, string Reference, string Kind, DateTime DueOn)>(new CommandDefinition("""
            select n.id, n.recipient_id, coalesce(s.email, m.address), coalesce(s.language, m.language), r.reference, n.kind, n.due_on
            from gov.notices n join gov.requests r on r.id = n.request_id
            left join gov.staff s on s.actor_id = n.recipient_id
            left join unnest(@ids, @addresses, @languages) m(id, address, language) on m.id = n.recipient_id
            where n.emailed_at is null and n.read_at is null and coalesce(s.email, m.address) is not null and r.state <> all(@closed)
            order by n.recipient_id, n.due_on, r.reference
            """, new
            {
                closed = RequestStateMachine.FinalStates,
                ids = Mailboxes.Select(m => m.RecipientId).ToArray(),
                addresses = Mailboxes.Select(m => m.Address.Trim()).ToArray(),
                languages = Mailboxes.Select(m => m.Language).ToArray(),
            }, cancellationToken: ct))).ToList();
        int emailed = 0, failures = 0;
        foreach (var group in pending.GroupBy(p => (p.Recipient, p.Email, p.Language)))
        {
            // In the language the person reads the console in.
            var text = NoticeText.For(group.Key.Language);
            var overdue = group.Count(n => n.Kind == "overdue");
            var body = new StringBuilder();
            body.AppendLine(text.Format(text.Opening, overdue, group.Count() - overdue, options.Value.DueSoonDays));
            body.AppendLine();
            foreach (var n in group)
            {
                var due = DateOnly.FromDateTime(n.DueOn).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                body.AppendLine(CultureInfo.InvariantCulture, $"{n.Reference}  {(n.Kind == "overdue" ? text.Overdue : text.DueSoon)}  {text.Format(text.Due, due)}");
            }

            body.AppendLine();
            body.AppendLine(text.Format(text.OpenTheList, $"{options.Value.ConsoleUrl.TrimEnd('/')}/requests"));
            try
            {
                await mailer.SendAsync(group.Key.Email, overdue > 0 ? text.Format(text.OverdueSubject, overdue) : text.DueSoonSubject, body.ToString(), ct);
                await connection.ExecuteAsync(new CommandDefinition("update gov.notices set emailed_at = @at where id = any(@ids)",
                    new { at = time.GetUtcNow(), ids = group.Select(n => n.Id).ToArray() }, cancellationToken: ct));
                emailed++;
            }
            catch (Exception ex) when (ex is MailKit.ProtocolException or MailKit.CommandException or System.Net.Sockets.SocketException or IOException or ParseException)
            {
                failures++;
                log.LogWarning("A deadline notice e-mail could not be sent ({Error}); it is tried again at the next run", ex.GetType().Name);
            }
        }

        return (emailed, failures);
    }
}

/// <summary>The in-app side of notices: what a person has not read yet.</summary>
public sealed class NoticeInbox(GovernanceDatabase database, TimeProvider time)
{
    public async Task<IReadOnlyList<Notice>> UnreadAsync(string actorId, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<(long Id, Guid RequestId, string Reference, string Kind, DateTime DueOn, DateTime CreatedAt)>(new CommandDefinition("""
            select n.id, n.request_id, r.reference, n.kind, n.due_on, n.created_at from gov.notices n join gov.requests r on r.id = n.request_id
            where n.recipient_id = @actorId and n.read_at is null and r.state <> all(@closed)
            order by n.kind desc, n.due_on, n.id limit @limit
            """, new { actorId, limit, closed = RequestStateMachine.FinalStates }, cancellationToken: ct));
        return rows.Select(r => new Notice(r.Id, r.RequestId, r.Reference, r.Kind, DateOnly.FromDateTime(r.DueOn), DbTime.Utc(r.CreatedAt))).ToList();
    }

    public async Task MarkReadAsync(string actorId, long noticeId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("update gov.notices set read_at = @at where id = @noticeId and recipient_id = @actorId and read_at is null",
            new { at = time.GetUtcNow(), noticeId, actorId }, cancellationToken: ct));
    }
}
