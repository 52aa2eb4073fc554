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

public sealed record Identity(IdentityKind Kind, string Collection, string Column, bool CaseInsensitive, SourceLocation Where);

public sealed record Field(string Column, FieldCategory Category, FieldErasure Erasure, string? Replacement, string? LegalBasis, SourceLocation Where);

/// <summary>
/// A column that points at another collection's key: directly, inside an array column, inside a JSON column
/// (<see cref="JsonPath"/>), or embedded in text (<see cref="Pattern"/>, whose named groups <c>id</c>, <c>id2</c>, ... are the ids).
/// </summary>
public sealed record Reference(
    IReadOnlyList<string> Columns,
    string To,
    Relation Relation,
    bool Array,
    string? JsonPath,
    string? Pattern,
    SourceLocation Where)
{
    /// <summary>The columns hold the target's key values as they are (possibly in an array), not inside JSON or text.</summary>
    public bool IsKeyLink => JsonPath is null && Pattern is null;

    /// <summary>One column holding one key value: usable in joins and in "column = any(keys)".</summary>
    public bool IsDirect => IsKeyLink && !Array && Columns.Count == 1;
}

public sealed record Blob(string Column, string? RegionColumn, SourceLocation Where);

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
    /// <summary>Schema and table, split ("public" when the map gives no schema).</summary>
    public (string Schema, string Table) QualifiedTable =>
        Table.Contains('.', StringComparison.Ordinal) ? (Table[..Table.IndexOf('.', StringComparison.Ordinal)], Table[(Table.IndexOf('.', StringComparison.Ordinal) + 1)..]) : ("public", Table);

    /// <summary>Every column the map names in this collection (key, dating, region, fields, references, blobs).</summary>
    public IEnumerable<(string Column, SourceLocation Where)> NamedColumns()
    {
        foreach (var k in Key)
        {
            yield return (k, Where);
        }

        if (DatedBy is not null)
        {
            yield return (DatedBy, Where);
        }

        if (RegionColumn is not null)
        {
            yield return (RegionColumn, Where);
        }

        foreach (var f in Fields)
        {
            yield return (f.Column, f.Where);
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
        }
    }
}

/// <summary>A chat store's data map: who can be found how, and what each collection holds and what erasure does there.</summary>
public sealed record DataMapDocument(
    string Name,
    string? Description,
    IReadOnlyList<string> Stores,
    IReadOnlyList<Identity> Identities,
    IReadOnlyList<Collection> Collections,
    SourceLocation Where)
{
    public Collection? Find(string name) => Collections.FirstOrDefault(c => c.Name == name);
}
