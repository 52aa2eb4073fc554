using System.Text.RegularExpressions;
using Npgsql;

namespace Governance.Core.DataMap.Discovery;

/// <summary>
/// Drafts a data map from a live schema, every guess marked <c># REVIEW</c>. Keys come from primary keys or unique
/// indexes; references from foreign keys (a composite key is one reference) and, where a schema has none (common
/// in chat products), from column names and values confirmed by sampling: values that are the person's keys, their
/// lower-case or localpart form, two ids joined in one text, or ids inside JSON documents (text columns that hold
/// JSON included). Personal columns come from names and from sampled values (e-mail, phone and IP shaped); JSON
/// documents are sampled for their keys. The draft loads, validates and passes the live check, so that a reviewer
/// edits a working map rather than starting from nothing.
/// </summary>
public static partial class DataMapDiscovery
{
    /// <summary>Share of a column's sampled values that must be the person's keys for the column to be taken as pointing at them.</summary>
    private const double Overlap = 0.5;

    public static async Task<string> DraftAsync(NpgsqlDataSource store, string storeName, string schema, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var catalog = await SchemaCatalog.ReadAsync(connection, schema, ct);
        var sampler = new ColumnSampler(connection, schema);
        var subject = PickSubject(catalog);
        var tables = new List<DraftTable>();
        if (subject is not null)
        {
            var subjectKey = catalog.Keys.GetValueOrDefault(subject)?.FirstOrDefault() ?? catalog.Of(subject)[0].Name;
            var keys = new SubjectKeys(await sampler.AllKeysAsync(subject, subjectKey, ct));
            var links = new LinkFinder(catalog, sampler, subject);
            foreach (var table in catalog.Tables)
            {
                tables.Add(await DraftTableAsync(catalog, sampler, links, table, subject, keys, ct));
            }

            DraftIdentities(tables.First(t => t.Subject), subjectKey, tables);
        }

        return DraftWriter.Write(storeName, schema, tables);
    }

    /// <summary>The table whose rows are people: a person-like name (users before accounts before members ...), one with an e-mail column first.</summary>
    private static string? PickSubject(SchemaCatalog catalog)
    {
        var named = catalog.Tables.Select(t => (Table: t, Rank: Array.FindIndex(PersonTables, p => string.Equals(p, t, StringComparison.OrdinalIgnoreCase))))
            .Where(x => x.Rank >= 0).OrderBy(x => x.Rank).Select(x => x.Table).ToList();
        return named.FirstOrDefault(t => catalog.Of(t).Any(c => Email().IsMatch(c.Name)))
            ?? named.FirstOrDefault()
            ?? catalog.ForeignKeys.GroupBy(f => f.Target).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault()
            ?? catalog.Tables.FirstOrDefault();
    }

    private static readonly string[] PersonTables = ["users", "user", "accounts", "account", "people", "persons", "person", "members", "member", "customers", "employees"];

    private static async Task<DraftTable> DraftTableAsync(SchemaCatalog catalog, ColumnSampler sampler, LinkFinder links, string table, string subject, SubjectKeys keys, CancellationToken ct)
    {
        var columns = catalog.Of(table);
        var draft = new DraftTable(table)
        {
            Subject = table == subject,
            Key = catalog.Keys.GetValueOrDefault(table)?.ToList() ?? [columns[0].Name],
            KeyGuessed = !catalog.Keys.ContainsKey(table),
            DatedBy = columns.FirstOrDefault(c => (c.BaseType.StartsWith("timestamp", StringComparison.Ordinal) || c.BaseType is "int8" or "date") && Dated().IsMatch(c.Name))?.Name,
            Region = columns.FirstOrDefault(c => c.IsText && Region().IsMatch(c.Name))?.Name,
        };

        var covered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fk in catalog.ForeignKeys.Where(f => f.Table == table && catalog.Tables.Contains(f.Target)))
        {
            var toPerson = fk.Target == subject && table != subject;
            draft.References.Add(new DraftReference(fk.Columns, fk.Target, toPerson ? Relation(fk.Columns[0]) : null, false, null, null, null, "foreign key"));
            covered.UnionWith(fk.Columns);
        }

        if (table != subject)
        {
            foreach (var column in columns.Where(c => !covered.Contains(c.Name) && !c.IsBoolean))
            {
                await InferReferenceAsync(draft, column, sampler, links, subject, keys, ct);
            }
        }

        foreach (var column in columns.Where(c => !c.IsBoolean && !draft.PointerColumns.Contains(c.Name) && !draft.JsonColumns.Contains(c.Name)))
        {
            if (await PersonalCategoryAsync(column, draft, sampler, ct) is { } category)
            {
                draft.Fields.Add(new DraftField(column.Name, null, category, column.Nullable, column.IsText, $"{column.DataType}"));
            }
        }

        foreach (var column in columns.Where(c => c.IsText && Medium().IsMatch(c.Name)))
        {
            foreach (var value in (await sampler.ValuesAsync(column, ct)).Where(v => v is "email" or "msisdn" or "phone" or "sms"))
            {
                draft.Mediums.Add((column.Name, value));
            }
        }

        draft.Deletes = !draft.Subject && !SharedTable().IsMatch(table)
            && draft.References.Any(r => r.To == subject && r.Relation is "owner" or "author" or "participant");
        return draft;
    }

    /// <summary>A column without a foreign key that points at the person: its values (or their lower-case or localpart form, or ids inside them) are the person's keys.</summary>
    private static async Task InferReferenceAsync(DraftTable draft, CatalogColumn column, ColumnSampler sampler, LinkFinder links, string subject, SubjectKeys keys, CancellationToken ct)
    {
        var named = PersonColumn().IsMatch(column.Name);
        if (column.IsJsonType || (column.IsText && !column.IsArray))
        {
            var values = await sampler.ValuesAsync(column, ct);
            var documents = JsonSampling.Documents(values);
            if (documents.Count > 0 && documents.Count >= values.Count * 0.8)
            {
                draft.JsonColumns.Add(column.Name);
                JsonSampling.Draft(draft, column, documents, subject, keys);
                return;
            }
        }

        if (!column.IsIdLike)
        {
            return;
        }

        var sample = await sampler.ValuesAsync(column, ct);
        if (sample.Count == 0)
        {
            if (named)
            {
                draft.References.Add(new DraftReference([column.Name], subject, Relation(column.Name), column.IsArray, null, null, null, "name only: no rows to confirm it"));
            }

            return;
        }

        var (exact, lower, local) = keys.Overlap(sample);
        var derive = exact >= Overlap ? "" : lower >= Overlap ? "{key}|lower" : local >= Overlap && column.IsText ? "localpart" : null;
        if (derive is not null)
        {
            var share = Math.Max(exact, Math.Max(lower, local));
            draft.References.Add(new DraftReference([column.Name], subject, Relation(column.Name), column.IsArray, null, null, derive.Length == 0 ? null : derive,
                $"{share:P0} of sampled values are the person's keys{(derive.Length == 0 ? "" : $" ({derive.Replace("{key}|", "", StringComparison.Ordinal)})")}"));
            return;
        }

        // Values that are another table's keys make a plain link, even when those keys embed people's ids.
        if (await links.LinkTargetAsync(column, sample, ct) is { } target)
        {
            draft.References.Add(new DraftReference([column.Name], target.Table, null, false, null, null, null, $"values are keys of {target.Table}"));
            return;
        }

        if (column.IsText && keys.JoinedPattern(sample) is { } pattern)
        {
            draft.References.Add(new DraftReference([column.Name], subject, "participant", false, null, pattern, null, "values are two of the person's keys joined"));
        }
    }

    /// <summary>A category for a column that looks personal by its name, or by its sampled values (e-mail, phone, IP shaped).</summary>
    private static async Task<string?> PersonalCategoryAsync(CatalogColumn c, DraftTable draft, ColumnSampler sampler, CancellationToken ct)
    {
        // A one-column key is the row's own id; a column of a composite key (an address, an emoji) can be personal.
        if (draft.Key.Count == 1 && draft.Key[0] == c.Name)
        {
            return null;
        }

        if (NameCategory(c.Name, c.BaseType) is { } byName)
        {
            return byName;
        }

        if (!c.IsText || c.IsArray)
        {
            return null;
        }

        var values = await sampler.ValuesAsync(c, ct);
        if (values.Count == 0)
        {
            return null;
        }

        double Share(Regex r) => values.Count(v => r.IsMatch(v)) / (double)values.Count;
        if (Share(EmailValue()) >= Overlap)
        {
            draft.EmailShaped.Add(c.Name);
            return "contact";
        }

        if (Share(PhoneValue()) >= Overlap)
        {
            draft.PhoneShaped.Add(c.Name);
            return "contact";
        }

        return Share(IpValue()) >= Overlap ? "network" : null;
    }

    /// <summary>A category for a column (or a key inside JSON) whose name says it is personal, or null.</summary>
    internal static string? NameCategory(string name, string type = "text") => name switch
    {
        _ when type == "inet" || Network().IsMatch(name) => "network",
        _ when name.EndsWith("_id", StringComparison.OrdinalIgnoreCase) || name.EndsWith("id", StringComparison.Ordinal) && name.Length <= 3 => null,
        _ when Email().IsMatch(name) || Phone().IsMatch(name) || Named().IsMatch(name) => "contact",
        _ when Credential().IsMatch(name) => "credentials",
        _ when Device().IsMatch(name) => "device",
        _ when Location().IsMatch(name) => "location",
        _ when Activity().IsMatch(name) => "metadata",
        _ when Content().IsMatch(name) || type is "jsonb" or "json" => "content",
        _ => null,
    };

    /// <summary>How a column (or a key inside JSON) that holds the person's id relates to them, by its name; <paramref name="fallback"/> when the name says nothing.</summary>
    internal static string Relation(string column, string fallback = "owner") => column switch
    {
        _ when Mention().IsMatch(column) => "mentioned",
        _ when Author().IsMatch(column) => "author",
        _ when Participant().IsMatch(column) => "participant",
        _ when About().IsMatch(column) => "about",
        _ => fallback,
    };

    /// <summary>E-mail and phone identities: in the subject, or in a table of third-party ids that points at the person (with its medium, when it has one).</summary>
    private static void DraftIdentities(DraftTable subject, string subjectKey, List<DraftTable> tables)
    {
        subject.Identities.Add(new DraftIdentity("user-id", subject.Name, subjectKey, false, null, null, "the person's id"));
        foreach (var t in tables.Where(t => t.Subject || t.PlainPersonReferences(subject.Name).Count() == 1))
        {
            var via = t.Subject ? null : t.PlainPersonReferences(subject.Name).Single().Columns[0];
            foreach (var f in t.Fields.Where(f => f.Category == "contact" && f.JsonPath is null))
            {
                var email = Email().IsMatch(f.Column) || t.EmailShaped.Contains(f.Column);
                var phone = !email && (Phone().IsMatch(f.Column) || t.PhoneShaped.Contains(f.Column));
                if (!email && !phone)
                {
                    continue;
                }

                var medium = t.Mediums.FirstOrDefault(m => email ? m.Value == "email" : m.Value is "msisdn" or "phone" or "sms");
                subject.Identities.Add(new DraftIdentity(email ? "email" : "phone", t.Name, f.Column, email, medium.Column is null ? null : medium, via,
                    t.Subject ? "" : $"kept in {t.Name}, which points at the person"));
                if (email && medium.Column is not null && t.Mediums.FirstOrDefault(m => m.Value is "msisdn" or "phone" or "sms") is { Column: not null } phoneMedium)
                {
                    subject.Identities.Add(new DraftIdentity("phone", t.Name, f.Column, false, phoneMedium, via, $"kept in {t.Name} where {phoneMedium.Column} is {phoneMedium.Value}"));
                }
            }
        }
    }

    [GeneratedRegex("message|post|event|conversation|channel|room|call|thread|membership|members", RegexOptions.IgnoreCase)]
    private static partial Regex SharedTable();

    [GeneratedRegex("(^|_)(user|userid|user_id|owner|owner_id|creator|creatorid|creator_id|created_by|author|author_id|sender|sender_id|member|members|member_ids|uploader|uploader_id|initiator|initiator_id|participant|recipient|account|account_id|uid|state_key|invitee|inviter|by_user|mentions)$", RegexOptions.IgnoreCase)]
    private static partial Regex PersonColumn();

    [GeneratedRegex("^(medium|kind|type|channel|provider)$", RegexOptions.IgnoreCase)]
    private static partial Regex Medium();

    [GeneratedRegex("mention", RegexOptions.IgnoreCase)]
    private static partial Regex Mention();

    [GeneratedRegex("sender|author|creator|created_by|uploader|initiator|(^|_)by($|_)|writer|^from$", RegexOptions.IgnoreCase)]
    private static partial Regex Author();

    [GeneratedRegex("member|participant|state_key|invitee|attendee", RegexOptions.IgnoreCase)]
    private static partial Regex Participant();

    [GeneratedRegex("contact|target|about|subject|recipient", RegexOptions.IgnoreCase)]
    private static partial Regex About();

    [GeneratedRegex("e_?mail", RegexOptions.IgnoreCase)]
    internal static partial Regex Email();

    [GeneratedRegex("phone|mobile|msisdn", RegexOptions.IgnoreCase)]
    internal static partial Regex Phone();

    [GeneratedRegex("(^|_)(name|alias|nick|nickname|displayname|display_name|first_name|last_name|full_name|username|user_name|upload_name|file_name|filename)$", RegexOptions.IgnoreCase)]
    private static partial Regex Named();

    [GeneratedRegex("(^|_)ip($|_)|ip_?address|user_?agent", RegexOptions.IgnoreCase)]
    private static partial Regex Network();

    [GeneratedRegex("token|secret|password|passwd|hash", RegexOptions.IgnoreCase)]
    private static partial Regex Credential();

    [GeneratedRegex("device|model|platform", RegexOptions.IgnoreCase)]
    private static partial Regex Device();

    [GeneratedRegex("(^|_)(lat|lng|lon|latitude|longitude|location|geo)($|_)", RegexOptions.IgnoreCase)]
    private static partial Regex Location();

    [GeneratedRegex("^(last_[a-z_]*|[a-z_]*_seen[a-z_]*|read_at|left_at|edited_at|deactivated_at|locale|language|timezone|time_zone|content_type|mime_type|lastviewedat)$", RegexOptions.IgnoreCase)]
    private static partial Regex Activity();

    [GeneratedRegex("body|content|text|message|prompt|answer|blob|path|topic|title|comment|note|avatar|emoji|picture|photo|(^|_)url$|(^|_)data$|props", RegexOptions.IgnoreCase)]
    private static partial Regex Content();

    [GeneratedRegex("created|sent|joined|started|occurred|(^|_)ts$|timestamp|_at$|createat|created_ts", RegexOptions.IgnoreCase)]
    private static partial Regex Dated();

    [GeneratedRegex("region|residency|data_location|storage_region", RegexOptions.IgnoreCase)]
    private static partial Regex Region();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")]
    internal static partial Regex EmailValue();

    [GeneratedRegex(@"^\+?[0-9]{8,15}$")]
    internal static partial Regex PhoneValue();

    [GeneratedRegex(@"^(\d{1,3}\.){3}\d{1,3}$|^(?=.*:.*:)[0-9a-fA-F:]{3,39}$")]
    private static partial Regex IpValue();
}
