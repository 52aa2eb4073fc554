namespace Governance.Core.DataMap;

/// <summary>Where a node of a policy file is: file, 1-based line and column.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>One problem in a policy file, located.</summary>
public sealed record DataMapProblem(SourceLocation Where, string Message)
{
    public override string ToString() => $"{Where}: {Message}";
}

public enum FieldCategory
{
    Contact,
    Content,
    Credentials,
    Network,
    Device,
    Location,
    Metadata,
    Special,
}

/// <summary>What erasure does to a personal field.</summary>
public enum FieldErasure
{
    /// <summary>The field goes with its row (the collection's rows of the person are deleted).</summary>
    DeleteRow,
    SetNull,
    Replace,
    /// <summary>Replaced by a keyed HMAC: the same person gives the same value, which cannot be turned back.</summary>
    Pseudonymise,
    /// <summary>Kept, with the stated legal basis.</summary>
    Keep,
}

public enum RowErasure
{
    Delete,
    Keep,
}

public enum IdentityKind
{
    UserId,
    Email,
    Phone,
    /// <summary>Any other id the person is known by outside the chat system (an SSO subject, an employee number).</summary>
    ExternalId,
}

public enum CaseFold
{
    None,
    Lower,
    Upper,
}

/// <summary>
/// A condition on a row: a column, or with <see cref="JsonPath"/> a value inside the JSON document in that column,
/// equals one of the given texts. Used to pick the rows of a shared table that hold one kind of identity
/// (medium = email) or one kind of document (type = m.room.message).
/// </summary>
public sealed record Condition(string Column, string? JsonPath, IReadOnlyList<string> Values, SourceLocation Where);

/// <summary>
/// How a stored value is derived from the person's key: a template of literal text, <c>{key}</c> and
/// <c>{localpart}</c> (the part of a qualified id such as <c>@alice:example.org</c> between the sigil and the first
/// colon), then case folding.
/// </summary>
public sealed record Derivation(string Template, CaseFold Case, SourceLocation Where)
{
    public const string Key = "{key}";
    public const string LocalPart = "{localpart}";

    /// <summary>The value derived from a key, as the SQL that the planner writes computes it.</summary>
    public string Apply(string key)
    {
        var value = Template.Replace(Key, key, StringComparison.Ordinal).Replace(LocalPart, LocalPartOf(key), StringComparison.Ordinal);
        return Case switch
        {
            CaseFold.Lower => value.ToLowerInvariant(),
            CaseFold.Upper => value.ToUpperInvariant(),
            _ => value,
        };
    }

    /// <summary><c>@alice:example.org</c> gives <c>alice</c>; an id without a sigil or a server is its own localpart.</summary>
    public static string LocalPartOf(string key)
    {
        var start = key.Length > 0 && !char.IsLetterOrDigit(key[0]) ? 1 : 0;
        var colon = key.IndexOf(':', start);
        return colon < 0 ? key[start..] : key[start..colon];
    }
}

/// <summary>How the rows that reference a person relate to them (decides what access hands over and what erasure does).</summary>
public enum Relation
{
    /// <summary>A plain link to another collection's key, not to a person.</summary>
    Link,
    Owner,
    Author,
    Participant,
    Mentioned,
    About,
}

/// <summary>
/// How a person is found. The column may be in the subject collection or in another collection (a table of
/// third-party ids) whose reference to the subject leads to the person; <see cref="When"/> picks the rows of that
/// table holding this kind (medium = email); <see cref="Via"/> names the reference column when there are several.
/// </summary>
public sealed record Identity(IdentityKind Kind, string Collection, string Column, bool CaseInsensitive, Condition? When, string? Via, SourceLocation Where);

/// <summary>
/// A personal field: a column, or with <see cref="JsonPath"/> one key inside a JSON document held in the column
/// (erasure then removes or replaces only that key, and <see cref="When"/> can limit it to documents of one kind).
/// <see cref="PseudonymFormat"/> shapes a pseudonym to fit its column (see <see cref="Pseudonyms"/>).
/// </summary>
public sealed record Field(
    string Column,
    FieldCategory Category,
    FieldErasure Erasure,
    string? Replacement,
    string? LegalBasis,
    SourceLocation Where,
    string? JsonPath = null,
    Condition? When = null,
    string? PseudonymFormat = null)
{
    public bool IsJson => JsonPath is not null;
}

/// <summary>
/// A column that points at another collection's key (or, with <see cref="ToColumn"/>, at another of its columns, such
/// as a user name that mentions quote): directly, inside an array column, inside a JSON column
/// (<see cref="JsonPath"/>), or embedded in text (<see cref="Pattern"/>, whose named groups <c>id</c>, <c>id2</c>, ... are the ids).
/// </summary>
public sealed record Reference(
    IReadOnlyList<string> Columns,
    string To,
    Relation Relation,
    bool Array,
    string? JsonPath,
    string? Pattern,
    SourceLocation Where,
    Derivation? Derive = null,
    FieldErasure? Erasure = null,
    string? ToColumn = null,
    string? PseudonymFormat = null)
{
    /// <summary>The id is inside the column's value (JSON or text), so erasure edits only the person's part of it.</summary>
    public bool IsEmbedded => JsonPath is not null || Pattern is not null;

    /// <summary>The columns hold the target's key values as they are (possibly in an array), not inside JSON or text.</summary>
    public bool IsKeyLink => JsonPath is null && Pattern is null && Derive is null && ToColumn is null;

    /// <summary>One column holding one key value: usable in joins and in "column = any(keys)".</summary>
    public bool IsDirect => IsKeyLink && !Array && Columns.Count == 1;
}

/// <summary>
/// A file named by a row: the path is the column's value, or built by <see cref="Path"/>, a template of literal text
/// and <c>{column}</c> or <c>{column:start:length}</c> (a slice; <c>{column:start}</c> runs to the end), after
/// <see cref="StripPrefix"/> (a URL scheme and server such as <c>mxc://example.org/</c>) is removed from each value.
/// </summary>
public sealed record Blob(string Column, string? RegionColumn, SourceLocation Where, string? Path = null, string? StripPrefix = null);

public sealed record Collection(
    string Name,
    string Table,
    IReadOnlyList<string> Key,
    bool Subject,
    bool Shared,
    string? DatedBy,
    string? RegionColumn,
    RowErasure RowErasure,
    string? LegalBasis,
    IReadOnlyList<Field> Fields,
    IReadOnlyList<Reference> References,
    IReadOnlyList<Blob> Blobs,
    IReadOnlyList<string> NotPersonal,
    SourceLocation Where)
{
    /// <summary>Where each key of the collection's mapping is (table, key, dated_by, ...), for messages about one of them.</summary>
    public IReadOnlyDictionary<string, SourceLocation> Spots { get; init; } = new Dictionary<string, SourceLocation>();

    /// <summary>Why the rows are processed (records of processing, GDPR Art. 30(1)(b)); null when the map does not say.</summary>
    public string? Purpose { get; init; }

    /// <summary>Who receives the rows outside the chat system (Art. 30(1)(d)), by name; empty when the map names none.</summary>
    public IReadOnlyList<string> Recipients { get; init; } = [];

    /// <summary>The location of one of the collection's keys (the collection's own when it was not written).</summary>
    public SourceLocation At(string key) => Spots.GetValueOrDefault(key, Where);

    /// <summary>Schema and table, split ("public" when the map gives no schema).</summary>
    public (string Schema, string Table) QualifiedTable =>
        Table.Contains('.', StringComparison.Ordinal) ? (Table[..Table.IndexOf('.', StringComparison.Ordinal)], Table[(Table.IndexOf('.', StringComparison.Ordinal) + 1)..]) : ("public", Table);

    /// <summary>Every column the map names in this collection (key, dating, region, fields, references, blobs).</summary>
    public IEnumerable<(string Column, SourceLocation Where)> NamedColumns()
    {
        foreach (var k in Key)
        {
            yield return (k, At("key"));
        }

        if (DatedBy is not null)
        {
            yield return (DatedBy, At("dated_by"));
        }

        if (RegionColumn is not null)
        {
            yield return (RegionColumn, At("region"));
        }

        foreach (var f in Fields)
        {
            yield return (f.Column, f.Where);
            if (f.When is { } when)
            {
                yield return (when.Column, when.Where);
            }
        }

        foreach (var r in References)
        {
            foreach (var c in r.Columns)
            {
                yield return (c, r.Where);
            }
        }

        foreach (var b in Blobs)
        {
            yield return (b.Column, b.Where);
            if (b.RegionColumn is not null)
            {
                yield return (b.RegionColumn, b.Where);
            }

            foreach (var column in BlobPaths.Columns(b))
            {
                yield return (column, b.Where);
            }
        }
    }
}

/// <summary>
/// Which collections are the conversations and the tenants that a legal hold can name (a hold's scope is a user, a
/// conversation or a tenant, by its id in the chat store): erasure and retention read a row's conversation and
/// tenant through its link to these collections. Null where the map does not say; holds then match by user only.
/// </summary>
public sealed record HoldScopeCollections(string? Conversation, string? Tenant, SourceLocation Where)
{
    public static readonly HoldScopeCollections None = new(null, null, default);

    /// <summary>The column of the conversation collection that says what kind a conversation is (direct, group, channel), for retention rules by kind.</summary>
    public string? ConversationKind { get; init; }

    /// <summary>The personal field that names a person (a display name), shown beside a custodian's id: a column of the
    /// people's collection, or of a collection that points at the person (a profile table).</summary>
    public NameField? CustodianName { get; init; }
}

/// <summary>Where a person's name is kept: a column of the people's collection (Collection null), or of one that references the person.</summary>
public sealed record NameField(string? Collection, string Column, SourceLocation Where);

/// <summary>A chat store's data map: who can be found how, and what each collection holds and what erasure does there.</summary>
public sealed record DataMapDocument(
    string Name,
    string? Description,
    IReadOnlyList<string> Stores,
    IReadOnlyList<Identity> Identities,
    IReadOnlyList<Collection> Collections,
    SourceLocation Where)
{
    /// <summary>The collections that a hold's conversation and tenant scopes name.</summary>
    public HoldScopeCollections Holds { get; init; } = HoldScopeCollections.None;

    public Collection? Find(string name) => Collections.FirstOrDefault(c => c.Name == name);

    /// <summary>
    /// How a row of <paramref name="c"/> leads to its id in the scope collection <paramref name="scope"/>: empty when
    /// <paramref name="c"/> is that collection (the row's own key); else the direct links to follow, nearest first
    /// (an attachment's message, then the message's conversation), at most three; null when the row does not lead there.
    /// </summary>
    public IReadOnlyList<Reference>? ScopePath(Collection c, string? scope)
    {
        if (scope is null || Find(scope) is not { Key.Count: 1 })
        {
            return null;
        }

        if (c.Name == scope)
        {
            return c.Key.Count == 1 ? [] : null;
        }

        var paths = new Queue<(Collection At, List<Reference> Path)>([(c, [])]);
        while (paths.Count > 0)
        {
            var (at, path) = paths.Dequeue();
            foreach (var link in at.References.Where(r => r.Relation == Relation.Link && r.IsDirect && r.To != at.Name))
            {
                if (link.To == scope)
                {
                    return [.. path, link];
                }

                if (path.Count < 2 && Find(link.To) is { Key.Count: 1 } next && path.All(p => p.To != next.Name))
                {
                    paths.Enqueue((next, [.. path, link]));
                }
            }
        }

        return null;
    }

    /// <summary>The collection whose rows are people: the one marked subject, else the user-id identity's collection.</summary>
    public Collection? SubjectCollection =>
        Collections.FirstOrDefault(c => c.Subject) ?? Find(Identities.FirstOrDefault(i => i.Kind == IdentityKind.UserId)?.Collection ?? "");

    /// <summary>
    /// The reference by which an identity kept outside the subject collection leads to the person: the one plain
    /// reference of its collection to the subject, or the one <see cref="Identity.Via"/> names; null when there is none or it is ambiguous.
    /// </summary>
    public Reference? IdentityReference(Identity identity) => ReferenceToSubject(identity.Collection, identity.Via);

    /// <summary>
    /// The one plain reference of <paramref name="collection"/> to the people's collection (or the one whose column is
    /// <paramref name="via"/>); null when there is none or it is ambiguous.
    /// </summary>
    public Reference? ReferenceToSubject(string collection, string? via = null)
    {
        var subject = SubjectCollection;
        var candidates = Find(collection)?.References.Where(r => r.To == subject?.Name && !r.Array && !r.IsEmbedded && r.Columns.Count == 1).ToList() ?? [];
        return via is null ? (candidates.Count == 1 ? candidates[0] : null) : candidates.FirstOrDefault(r => r.Columns[0] == via);
    }
}
