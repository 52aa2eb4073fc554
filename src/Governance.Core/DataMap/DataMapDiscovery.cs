using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using Npgsql;

namespace Governance.Core.DataMap;

/// <summary>
/// Drafts a data map from a live schema: tables, keys, foreign keys, and columns whose names or types look
/// personal, each guess marked <c># REVIEW</c>. The draft loads and validates, so a reviewer edits a working map
/// rather than starting from nothing.
/// </summary>
public static partial class DataMapDiscovery
{
    private sealed record Column(string Table, string Name, string Type, bool Nullable);

    private sealed record ForeignKey(string Table, string Column, string Target, string TargetColumn);

    public static async Task<string> DraftAsync(NpgsqlDataSource store, string storeName, string schema, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var columns = (await connection.QueryAsync<Column>(new CommandDefinition("""
            select table_name as Table, column_name as Name, data_type as Type, is_nullable = 'YES' as Nullable
            from information_schema.columns c
            where table_schema = @schema and exists (select 1 from information_schema.tables t
                where t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE')
            order by table_name, ordinal_position
            """, new { schema }, cancellationToken: ct))).ToList();
        var keys = (await connection.QueryAsync<(string Table, string Column)>(new CommandDefinition("""
            select tc.table_name, kcu.column_name
            from information_schema.table_constraints tc
            join information_schema.key_column_usage kcu on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema
            where tc.table_schema = @schema and tc.constraint_type = 'PRIMARY KEY'
            order by tc.table_name, kcu.ordinal_position
            """, new { schema }, cancellationToken: ct))).GroupBy(k => k.Table).ToDictionary(g => g.Key, g => g.Select(k => k.Column).ToList());
        var foreignKeys = (await connection.QueryAsync<ForeignKey>(new CommandDefinition("""
            select kcu.table_name as Table, kcu.column_name as Column, ccu.table_name as Target, ccu.column_name as TargetColumn
            from information_schema.table_constraints tc
            join information_schema.key_column_usage kcu on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema
            join information_schema.constraint_column_usage ccu on ccu.constraint_name = tc.constraint_name and ccu.table_schema = tc.table_schema
            where tc.table_schema = @schema and tc.constraint_type = 'FOREIGN KEY'
            """, new { schema }, cancellationToken: ct))).ToList();

        var tables = columns.Select(c => c.Table).Distinct().Order(StringComparer.Ordinal).ToList();
        var subject = tables.FirstOrDefault(t => PersonTable().IsMatch(t) && columns.Any(c => c.Table == t && Email().IsMatch(c.Name)))
            ?? tables.FirstOrDefault(t => PersonTable().IsMatch(t))
            ?? tables.FirstOrDefault();
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# Draft data map of store '{storeName}', discovered from schema '{schema}' on {DateTime.UtcNow:yyyy-MM-dd}.");
        sb.AppendLine("# Every line marked REVIEW is a guess: check it, fix it, remove the mark. Columns not listed are taken as not personal.");
        sb.AppendLine("version: 1");
        sb.AppendLine(CultureInfo.InvariantCulture, $"name: {Slug(storeName)}-draft");
        sb.AppendLine(CultureInfo.InvariantCulture, $"description: Draft discovered from store {storeName}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"stores: [{storeName}]");
        sb.AppendLine();
        sb.AppendLine("identities:");
        if (subject is not null)
        {
            var subjectKey = keys.GetValueOrDefault(subject)?.FirstOrDefault() ?? "id";
            sb.AppendLine(CultureInfo.InvariantCulture, $"  - {{ kind: user-id, collection: {subject}, column: {subjectKey} }}  # REVIEW: the person's id");
            foreach (var c in columns.Where(c => c.Table == subject && Email().IsMatch(c.Name)))
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"  - {{ kind: email, collection: {subject}, column: {c.Name}, match: case-insensitive }}  # REVIEW");
            }

            foreach (var c in columns.Where(c => c.Table == subject && Phone().IsMatch(c.Name)))
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"  - {{ kind: phone, collection: {subject}, column: {c.Name} }}  # REVIEW");
            }
        }

        sb.AppendLine();
        sb.AppendLine("collections:");
        foreach (var table in tables)
        {
            var tableColumns = columns.Where(c => c.Table == table).ToList();
            var fks = foreignKeys.Where(f => f.Table == table).ToList();
            var pointsAtPerson = fks.Any(f => f.Target == subject);
            var key = keys.GetValueOrDefault(table) ?? [tableColumns[0].Name];
            var deletes = pointsAtPerson && table != subject;
            sb.AppendLine(CultureInfo.InvariantCulture, $"  - name: {table}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"    table: {(schema == "public" ? table : $"{schema}.{table}")}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"    key: [{string.Join(", ", key)}]{(keys.ContainsKey(table) ? "" : "  # REVIEW: no primary key found")}");
            if (table == subject)
            {
                sb.AppendLine("    subject: true  # REVIEW");
            }

            if (tableColumns.FirstOrDefault(c => c.Type.StartsWith("timestamp", StringComparison.Ordinal) && Dated().IsMatch(c.Name)) is { } dated)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"    dated_by: {dated.Name}  # REVIEW");
            }

            if (tableColumns.FirstOrDefault(c => Region().IsMatch(c.Name)) is { } region)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"    region: {region.Name}  # REVIEW");
            }

            sb.AppendLine(CultureInfo.InvariantCulture, $"    row_erasure: {(deletes ? "delete" : "keep")}  # REVIEW");
            if (!deletes)
            {
                sb.AppendLine("    legal_basis: \"REVIEW: why rows stay on erasure\"");
            }

            if (fks.Count > 0)
            {
                sb.AppendLine("    references:");
                foreach (var f in fks.Where(f => tables.Contains(f.Target)))
                {
                    var relation = f.Target == subject && table != subject ? ", relation: owner" : "";
                    sb.AppendLine(CultureInfo.InvariantCulture, $"      - {{ column: {f.Column}, to: {f.Target}{relation} }}{(relation.Length > 0 ? "  # REVIEW: owner, author, participant, mentioned or about" : "")}");
                }
            }

            var personal = tableColumns.Where(c => !key.Contains(c.Name) && Guess(c) is not null).ToList();
            var personPointers = fks.Where(f => f.Target == subject && table != subject).Select(f => f.Column).ToHashSet(StringComparer.Ordinal);
            if (personal.Count > 0 || (!deletes && personPointers.Count > 0))
            {
                sb.AppendLine("    fields:");
                foreach (var c in personal.Where(c => !personPointers.Contains(c.Name)))
                {
                    var erasure = deletes ? "delete-row" : c.Nullable ? "set-null" : "pseudonymise";
                    sb.AppendLine(CultureInfo.InvariantCulture, $"      - {{ column: {c.Name}, category: {Guess(c)}, erasure: {erasure} }}  # REVIEW: {c.Type}");
                }

                foreach (var pointer in deletes ? [] : personPointers)
                {
                    sb.AppendLine(CultureInfo.InvariantCulture, $"      - {{ column: {pointer}, category: metadata, erasure: pseudonymise }}  # REVIEW: points at the person");
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>A category for a column that looks personal by its name or type, or null.</summary>
    private static string? Guess(Column c) => c.Name switch
    {
        _ when c.Name.EndsWith("_id", StringComparison.OrdinalIgnoreCase) || c.Name.Equals("id", StringComparison.OrdinalIgnoreCase) => null,
        _ when c.Name.Contains("file", StringComparison.OrdinalIgnoreCase) || c.Name.Contains("blob", StringComparison.OrdinalIgnoreCase) => "content",
        _ when Email().IsMatch(c.Name) || Phone().IsMatch(c.Name) || Named().IsMatch(c.Name) => "contact",
        _ when Network().IsMatch(c.Name) || c.Type == "inet" => "network",
        _ when Credential().IsMatch(c.Name) => "credentials",
        _ when Device().IsMatch(c.Name) => "device",
        _ when Location().IsMatch(c.Name) => "location",
        _ when Content().IsMatch(c.Name) || c.Type is "jsonb" or "json" => "content",
        _ => null,
    };

    private static string Slug(string name) => Regex.Replace(name.ToLowerInvariant(), "[^a-z0-9_-]", "-");

    [GeneratedRegex("^(users?|accounts?|members?|people|persons?|customers?|employees?)$", RegexOptions.IgnoreCase)]
    private static partial Regex PersonTable();

    [GeneratedRegex("e_?mail", RegexOptions.IgnoreCase)]
    private static partial Regex Email();

    [GeneratedRegex("phone|mobile|msisdn", RegexOptions.IgnoreCase)]
    private static partial Regex Phone();

    [GeneratedRegex("(^|_)(name|alias|nick|nickname|display_name|first_name|last_name|full_name)$", RegexOptions.IgnoreCase)]
    private static partial Regex Named();

    [GeneratedRegex("(^|_)ip($|_)|ip_address|user_agent", RegexOptions.IgnoreCase)]
    private static partial Regex Network();

    [GeneratedRegex("token|secret|password|hash", RegexOptions.IgnoreCase)]
    private static partial Regex Credential();

    [GeneratedRegex("device|model|platform", RegexOptions.IgnoreCase)]
    private static partial Regex Device();

    [GeneratedRegex("(^|_)(lat|lng|lon|latitude|longitude|location|geo)($|_)", RegexOptions.IgnoreCase)]
    private static partial Regex Location();

    [GeneratedRegex("body|content|text|message|prompt|answer|file_name|blob|path|topic|title|subject|comment|note", RegexOptions.IgnoreCase)]
    private static partial Regex Content();

    [GeneratedRegex("created|sent|joined|started|occurred|(^|_)ts$|timestamp|_at$", RegexOptions.IgnoreCase)]
    private static partial Regex Dated();

    [GeneratedRegex("region|residency|data_location|storage_region", RegexOptions.IgnoreCase)]
    private static partial Regex Region();
}
