using System.ComponentModel.DataAnnotations;
using Dapper;
using Governance.Core.Database;
using Microsoft.Extensions.Options;

namespace Governance.Core.Audit;

public sealed record Alert(long Id, DateTimeOffset RaisedAt, string Rule, string Severity, string Summary, string? Subject);

/// <summary>One configurable rule over the audit log: more than <see cref="Threshold"/> matching entries within the window raises an alert.</summary>
public sealed class AlertRule
{
    [Required, RegularExpression("^[a-z][a-z0-9-]{0,63}$")]
    public string Name { get; set; } = "";

    /// <summary>Audit action counted, e.g. <c>export.download</c> or <c>auth.sign-in</c>.</summary>
    [Required]
    public string Action { get; set; } = "";

    /// <summary>Outcome counted: success, failure or denied; empty counts all.</summary>
    public string Outcome { get; set; } = "";

    /// <summary>Count per actor (one alert per actor) rather than in total.</summary>
    public bool PerActor { get; set; }

    [Range(1, 525_600)]
    public int WindowMinutes { get; set; } = 60;

    [Range(0, 1_000_000)]
    public int Threshold { get; set; } = 10;

    [RegularExpression("^(info|warning|critical)$")]
    public string Severity { get; set; } = "warning";
}

/// <summary>The <c>Alerts</c> section.</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    public List<AlertRule> Rules { get; set; } = [];
}

/// <summary>Open alerts, raised at most once per rule and subject until resolved; raising and resolving are audited.</summary>
public sealed class AlertStore(GovernanceDatabase database, AuditLog audit)
{
    public const string ChainBrokenRule = "audit-chain-broken";
    public const string VerificationOverdueRule = "audit-verification-overdue";

    public async Task<bool> RaiseAsync(string rule, string severity, string summary, string? subject, AuditActor actor, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var id = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("""
            insert into gov.alerts (rule, severity, summary, subject)
            values (@rule, @severity, @summary, @subject)
            on conflict (rule, coalesce(subject, '')) where resolved_at is null do nothing
            returning id
            """, new { rule, severity, summary, subject }, tx, cancellationToken: ct));
        if (id is { } alertId)
        {
            await audit.AppendAsync(connection, tx, new AuditRecord(actor, "alert.raise", AuditOutcome.Success, "alert", alertId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Details: new Dictionary<string, object?> { ["rule"] = rule, ["severity"] = severity }), ct);
        }

        await tx.CommitAsync(ct);
        audit.Committed();
        return id is not null;
    }

    public async Task<IReadOnlyList<Alert>> OpenAsync(int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<(long Id, DateTime RaisedAt, string Rule, string Severity, string Summary, string? Subject)>(new CommandDefinition("""
            select id, raised_at, rule, severity, summary, subject from gov.alerts
            where resolved_at is null order by raised_at desc limit @limit
            """, new { limit }, cancellationToken: ct));
        return rows.Select(r => new Alert(r.Id, DbTime.Utc(r.RaisedAt), r.Rule, r.Severity, r.Summary, r.Subject)).ToList();
    }

    /// <summary>
    /// Resolves an open alert. An alert about someone (its subject) is resolved by someone else: nobody closes the
    /// alert raised about their own actions.
    /// </summary>
    /// <summary>The roles that may resolve alerts: those who answer for the controls, not those who review them (auditors) or are reviewed.</summary>
    public static readonly IReadOnlyList<string> ResolvingRoles = [Security.Roles.PrivacyOfficer, Security.Roles.Admin];

    /// <summary>
    /// Resolves an open alert with the reason, by a privacy officer or an admin who is not the person it is about;
    /// false when it was already resolved.
    /// </summary>
    public async Task<bool> ResolveAsync(long id, string? reason, AuditActor actor, CancellationToken ct)
    {
        var errors = new Validation.ValidationErrors();
        if (!actor.Roles.Any(ResolvingRoles.Contains))
        {
            errors.Add("alert", "Only a privacy officer or an admin resolves alerts.");
        }

        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length > 500)
        {
            errors.Add("reason", "Say why the alert is resolved (at most 500 characters).");
        }

        Validation.ValidationException.ThrowIfAny("alert", errors);
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var subject = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "select subject from gov.alerts where id = @id for update", new { id }, tx, cancellationToken: ct));
        if (subject is not null && subject == actor.Id)
        {
            throw Validation.ValidationException.For("alert", "alert", "This alert is about you: another member of staff resolves it.");
        }

        var done = await connection.ExecuteAsync(new CommandDefinition(
            "update gov.alerts set resolved_at = now(), resolved_by = @by, resolution_reason = @reason where id = @id and resolved_at is null",
            new { id, by = actor.Id, reason = reason!.Trim() }, tx, cancellationToken: ct)) > 0;
        if (done)
        {
            await audit.AppendAsync(connection, tx, new AuditRecord(actor, "alert.resolve", AuditOutcome.Success, "alert", id.ToString(System.Globalization.CultureInfo.InvariantCulture)), ct);
        }

        await tx.CommitAsync(ct);
        audit.Committed();
        return done;
    }
}

/// <summary>Evaluates the configured rules over the audit log (a recurring job calls it).</summary>
public sealed class AlertEvaluator(GovernanceDatabase database, AlertStore alerts, IOptions<AlertOptions> options, TimeProvider time)
{
    public async Task<int> EvaluateAsync(CancellationToken ct)
    {
        var raised = 0;
        var actor = AuditActor.Job("alerts");
        foreach (var rule in options.Value.Rules)
        {
            var since = time.GetUtcNow().AddMinutes(-rule.WindowMinutes);
            var outcome = string.IsNullOrEmpty(rule.Outcome) ? null : rule.Outcome;
            await using var connection = await database.OpenAsync(ct);
            var hits = await connection.QueryAsync<(string? Subject, long Count)>(new CommandDefinition(rule.PerActor
                ? """
                  select actor_id, count(*) from gov.audit_log
                  where action = @action and (@outcome::text is null or outcome = @outcome) and occurred_at >= @since
                  group by actor_id having count(*) > @threshold
                  """
                : """
                  select null::text, count(*) from gov.audit_log
                  where action = @action and (@outcome::text is null or outcome = @outcome) and occurred_at >= @since
                  having count(*) > @threshold
                  """,
                new { action = rule.Action, outcome, since, threshold = rule.Threshold }, cancellationToken: ct));
            foreach (var (subject, count) in hits)
            {
                var who = subject is null ? "" : $" by {subject}";
                var summary = $"{rule.Name}: {count} '{rule.Action}' events{who} in {rule.WindowMinutes} minutes (threshold {rule.Threshold}).";
                if (await alerts.RaiseAsync(rule.Name, rule.Severity, summary, subject, actor, ct))
                {
                    raised++;
                }
            }
        }

        if (await VerificationOverdueAsync(actor, ct))
        {
            raised++;
        }

        return raised;
    }

    /// <summary>Hours without a verification of the chain after which a critical alert is raised (the job runs daily).</summary>
    public const int VerificationDueHours = 26;

    /// <summary>
    /// The daily verification is what makes tampering visible: when none has run for <see cref="VerificationDueHours"/>
    /// (its job removed, paused or failing), a critical alert says so. A new log counts from its first entry.
    /// </summary>
    private async Task<bool> VerificationOverdueAsync(AuditActor actor, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var last = await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition("""
            select coalesce((select max(occurred_at) from gov.audit_log where action = 'audit.verify'),
                            (select min(occurred_at) from gov.audit_log))
            """, cancellationToken: ct));
        if (DbTime.Utc(last) is not { } since || time.GetUtcNow() - since <= TimeSpan.FromHours(VerificationDueHours))
        {
            return false;
        }

        var hours = (int)(time.GetUtcNow() - since).TotalHours;
        return await alerts.RaiseAsync(AlertStore.VerificationOverdueRule, "critical",
            $"The audit chain has not been verified for {hours} hours (it should be daily): check the 'verify-audit-chain' job on the Jobs page, or run './gov audit verify'.",
            null, actor, ct);
    }
}
