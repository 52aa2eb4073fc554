using System.Globalization;
using Governance.Core.Audit;
using Governance.Web.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace Governance.Web.Audit;

public static class AuditEndpoints
{
    /// <summary>
    /// <c>GET /audit/export.csv</c>: the filtered audit log as CSV, streamed from the database, through a link the
    /// review page signed for the person (<see cref="Security.DownloadLinks"/>). Invalid filters get a 400 problem
    /// naming the field; the export itself is audited.
    /// </summary>
    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/audit/export.csv", async (HttpContext http, ReviewAuditLog review, Security.DownloadLinks links, [AsParameters] AuditFilterQuery q, CancellationToken ct) =>
        {
            if (!links.IsValid(http))
            {
                return Security.DownloadLinks.Refused();
            }

            if (!q.TryToFilter(out var filter, out var sort, out var problems))
            {
                return Results.ValidationProblem(problems);
            }

            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"audit-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv\"";
            await review.ExportCsvAsync(WebAuditActor.From(http.User, http), filter, sort, http.Response.Body, ct);
            return Results.Empty;
        }).RequireAuthorization(GovernancePolicies.AuditLog);
        return app;
    }
}

/// <summary>Audit filters as they arrive in a query string; parsed strictly, each problem named by field.</summary>
public sealed class AuditFilterQuery
{
    [FromQuery(Name = "actor")]
    public string? Actor { get; set; }

    [FromQuery(Name = "action")]
    public string? Action { get; set; }

    [FromQuery(Name = "targetType")]
    public string? TargetType { get; set; }

    [FromQuery(Name = "targetId")]
    public string? TargetId { get; set; }

    [FromQuery(Name = "request")]
    public string? Request { get; set; }

    [FromQuery(Name = "outcome")]
    public string? Outcome { get; set; }

    [FromQuery(Name = "from")]
    public string? From { get; set; }

    [FromQuery(Name = "to")]
    public string? To { get; set; }

    [FromQuery(Name = "sort")]
    public string? Sort { get; set; }

    public bool TryToFilter(out AuditFilter filter, out AuditSort sort, out Dictionary<string, string[]> problems)
    {
        problems = [];
        var from = Date(From, "from", problems);
        var to = Date(To, "to", problems);
        sort = AuditSort.NewestFirst;
        if (!string.IsNullOrEmpty(Sort) && !Enum.TryParse(Sort, ignoreCase: true, out sort))
        {
            problems["sort"] = ["Use NewestFirst, OldestFirst, Action or Actor."];
        }

        filter = new AuditFilter(Blank(Actor), Blank(Action), Blank(TargetType), Blank(TargetId), Blank(Request), Blank(Outcome), from, to);
        var names = new Dictionary<string, string>
        {
            [nameof(AuditFilter.ActorId)] = "actor",
            [nameof(AuditFilter.Action)] = "action",
            [nameof(AuditFilter.TargetType)] = "targetType",
            [nameof(AuditFilter.TargetId)] = "targetId",
            [nameof(AuditFilter.RequestId)] = "request",
            [nameof(AuditFilter.Outcome)] = "outcome",
            [nameof(AuditFilter.To)] = "to",
        };
        foreach (var (field, message) in filter.Problems())
        {
            problems[names.GetValueOrDefault(field, field)] = [message];
        }

        return problems.Count == 0;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static DateTimeOffset? Date(string? value, string field, Dictionary<string, string[]> problems)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d)
            && d.Year is >= 2000 and <= 2200)
        {
            return d;
        }

        problems[field] = ["Use a date such as 2026-11-28 or 2026-11-28T09:30:00Z."];
        return null;
    }
}
