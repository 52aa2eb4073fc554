using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Governance.Core.DataMap;

/// <summary>The maps of a folder, or every problem found in it; never a part of them.</summary>
public sealed record DataMapSet(IReadOnlyList<DataMapDocument> Maps, IReadOnlyList<DataMapProblem> Problems)
{
    public bool Valid => Problems.Count == 0;
}

/// <summary>
/// Loads <c>policies/datamap/*.yaml</c>: parses, binds strictly and validates. When any file has a problem,
/// no map is returned at all (nothing is loaded half-way), and every problem is named with file, line and column.
/// </summary>
public static partial class DataMapLoader
{
    public static DataMapSet LoadDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return new DataMapSet([], [new DataMapProblem(new SourceLocation(directory, 0, 0), "No such folder.")]);
        }

        var files = Directory.EnumerateFiles(directory, "*.yaml").Concat(Directory.EnumerateFiles(directory, "*.yml")).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            return new DataMapSet([], [new DataMapProblem(new SourceLocation(directory, 0, 0), "No .yaml data map in this folder.")]);
        }

        var problems = new List<DataMapProblem>();
        var maps = new List<DataMapDocument>();
        foreach (var file in files)
        {
            var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), file);
            var display = relative.StartsWith("..", StringComparison.Ordinal) ? Path.GetFullPath(file) : relative;
            if (Load(display, File.ReadAllText(file), problems) is { } map)
            {
                maps.Add(map);
            }
        }

        foreach (var duplicate in maps.GroupBy(m => m.Name).Where(g => g.Count() > 1))
        {
            foreach (var map in duplicate.Skip(1))
            {
                problems.Add(new DataMapProblem(map.Where, $"Another map is also named '{map.Name}'."));
            }
        }

        return problems.Count > 0 ? new DataMapSet([], problems) : new DataMapSet(maps, []);
    }

    /// <summary>Parses and validates one file's text; adds its problems and returns the map when it has none.</summary>
    public static DataMapDocument? Load(string file, string text, List<DataMapProblem> problems)
    {
        var before = problems.Count;
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            var message = ex.InnerException?.Message ?? ex.Message;
            problems.Add(new DataMapProblem(new SourceLocation(file, (int)ex.Start.Line, (int)ex.Start.Column), $"Not valid YAML: {Clean(message)}"));
            return null;
        }

        if (stream.Documents.Count != 1)
        {
            problems.Add(new DataMapProblem(new SourceLocation(file, 1, 1), "A data map file holds exactly one YAML document."));
            return null;
        }

        var binder = new YamlBinder(file, problems);
        var map = Bind(binder, stream.Documents[0].RootNode);
        if (map is not null)
        {
            DataMapValidator.Validate(map, problems);
        }

        return problems.Count == before ? map : null;
    }

    private static DataMapDocument? Bind(YamlBinder b, YamlNode root)
    {
        var top = b.Map(root, "the data map", "version", "name", "description", "stores", "identities", "collections", "holds");
        if (top is null)
        {
            return null;
        }

        var version = top.Text("version", required: true);
        if (version is not null && version != "1")
        {
            b.Problem(top.Get("version")!, $"Version '{version}' is not supported; this console reads version 1.");
        }

        var name = top.Text("name", required: true) ?? "";
        if (name.Length > 0 && !NamePattern().IsMatch(name))
        {
            b.Problem(top.Get("name")!, $"Map name '{name}' must be lower-case letters, digits, '-' or '_'.");
        }

        var identities = b.Items(top.Required("identities"), "'identities'").Select(n => BindIdentity(b, n)).OfType<Identity>().ToList();
        var collections = b.Items(top.Required("collections"), "'collections'").Select(n => BindCollection(b, n)).OfType<Collection>().ToList();
        var holdsNode = top.Get("holds");
        var holds = holdsNode is null ? null : b.Map(holdsNode, "'holds'", "conversation", "tenant", "conversation_kind", "custodian_name");
        return new DataMapDocument(name, top.Text("description"), top.Names("stores"), identities, collections, b.At(root))
        {
            Holds = holds is null ? HoldScopeCollections.None
                : new HoldScopeCollections(holds.Text("conversation"), holds.Text("tenant"), b.At(holdsNode!)) { ConversationKind = holds.Text("conversation_kind"), CustodianName = BindName(b, holds.Get("custodian_name")) },
        };
    }

    /// <summary><c>custodian_name: display_name</c> (a column of the people's collection) or <c>{ collection, column }</c>.</summary>
    private static NameField? BindName(YamlBinder b, YamlNode? node)
    {
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode)
        {
            return b.Scalar(node, "custodian_name") is { } column ? new NameField(null, column, b.At(node)) : null;
        }

        var m = b.Map(node, "custodian_name", "collection", "column");
        return m?.Text("collection", required: true) is { } collection && m.Text("column", required: true) is { } named
            ? new NameField(collection, named, b.At(node))
            : null;
    }

    private static Identity? BindIdentity(YamlBinder b, YamlNode node)
    {
        var m = b.Map(node, "an identity", "kind", "collection", "column", "match", "when", "via");
        if (m is null)
        {
            return null;
        }

        var kind = b.Enum<IdentityKind>(m.Required("kind"), "identity kind");
        var collection = m.Text("collection", required: true);
        var column = m.Text("column", required: true);
        var match = m.Text("match");
        if (match is not null && match is not ("exact" or "case-insensitive"))
        {
            b.Problem(m.Get("match")!, $"match '{match}' is not known; use exact or case-insensitive.");
        }

        var when = BindCondition(b, m.Get("when"), null, "'when' of an identity");
        return kind is null || collection is null || column is null
            ? null
            : new Identity(kind.Value, collection, column, match == "case-insensitive", when, m.Text("via"), b.At(node));
    }

    /// <summary><c>{ column: medium, equals: email }</c>, or <c>{ json_path: $.type, equals: [a, b] }</c> (on the field's own column unless a column is named).</summary>
    private static Condition? BindCondition(YamlBinder b, YamlNode? node, string? defaultColumn, string what)
    {
        var m = b.Map(node, what, "column", "json_path", "equals");
        if (m is null)
        {
            return null;
        }

        var column = m.Text("column") ?? defaultColumn;
        var path = m.Text("json_path");
        var values = m.Names("equals", required: true);
        if (column is null)
        {
            b.Problem(node!, $"{what} needs 'column' (the column whose value decides).");
            return null;
        }

        if (path is not null && !JsonPaths.IsValid(path))
        {
            b.Problem(m.Get("json_path")!, $"json_path '{path}' must look like $.name, $.\"dotted.name\" or $.list[*].name.");
            return null;
        }

        return values.Count == 0 ? null : new Condition(column, path, values, b.At(node!));
    }

    private static Collection? BindCollection(YamlBinder b, YamlNode node)
    {
        var m = b.Map(node, "a collection", "name", "table", "key", "subject", "shared", "dated_by", "region", "row_erasure", "legal_basis",
            "purpose", "recipients", "fields", "references", "blobs", "not_personal");
        if (m is null)
        {
            return null;
        }

        var name = m.Text("name", required: true);
        var what = name is null ? "a collection" : $"collection '{name}'";
        m.What = what;
        var table = m.Text("table") ?? name;
        var key = m.Names("key", required: true);
        var rowErasure = b.Enum<RowErasure>(m.Required("row_erasure"), $"row_erasure of {what}");
        var fields = b.Items(m.Get("fields"), $"'fields' of {what}").Select(n => BindField(b, n, what)).OfType<Field>().ToList();
        var references = b.Items(m.Get("references"), $"'references' of {what}").Select(n => BindReference(b, n, what)).OfType<Reference>().ToList();
        var blobs = b.Items(m.Get("blobs"), $"'blobs' of {what}").Select(n =>
        {
            var bm = b.Map(n, $"a blob of {what}", "column", "region", "path", "strip_prefix");
            return bm?.Text("column", required: true) is { } column ? new Blob(column, bm.Text("region"), b.At(n), bm.Text("path"), bm.Text("strip_prefix")) : null;
        }).OfType<Blob>().ToList();
        return name is null || table is null || rowErasure is null
            ? null
            : new Collection(name, table, key, m.Flag("subject"), m.Flag("shared"), m.Text("dated_by"), m.Text("region"), rowErasure.Value,
                m.Text("legal_basis"), fields, references, blobs, m.Names("not_personal"), b.At(node))
            {
                Spots = m.Locations(),
                Purpose = m.Text("purpose"),
                Recipients = m.Names("recipients"),
            };
    }

    private static Field? BindField(YamlBinder b, YamlNode node, string collection)
    {
        var m = b.Map(node, $"a field of {collection}", "column", "category", "erasure", "replacement", "legal_basis", "json_path", "when", "pseudonym");
        if (m is null)
        {
            return null;
        }

        var column = m.Text("column", required: true);
        m.What = column is null ? m.What : $"field '{column}' of {collection}";
        var category = b.Enum<FieldCategory>(m.Required("category"), $"category of field '{column}'");
        var erasure = b.Enum<FieldErasure>(m.Required("erasure"), $"erasure of field '{column}'");
        var when = BindCondition(b, m.Get("when"), column, $"'when' of field '{column}'");
        return column is null || category is null || erasure is null
            ? null
            : new Field(column, category.Value, erasure.Value, m.Text("replacement"), m.Text("legal_basis"), b.At(node), m.Text("json_path"), when, m.Text("pseudonym"));
    }

    private static Reference? BindReference(YamlBinder b, YamlNode node, string collection)
    {
        var m = b.Map(node, $"a reference of {collection}", "column", "columns", "to", "relation", "array", "json_path", "pattern", "derive", "case", "erasure", "to_column", "pseudonym");
        if (m is null)
        {
            return null;
        }

        var columns = m.Get("columns") is not null ? m.Names("columns") : m.Names("column", required: true);
        var to = m.Text("to", required: true);
        var relation = m.Get("relation") is null ? Relation.Link : b.Enum<Relation>(m.Get("relation"), "relation");
        var caseFold = m.Get("case") is { } caseNode ? b.Enum<CaseFold>(caseNode, "case folding") : CaseFold.None;
        var derive = m.Text("derive") is { } template
            ? new Derivation(template == "localpart" ? Derivation.LocalPart : template, caseFold ?? CaseFold.None, b.At(m.Get("derive")!))
            : caseFold is CaseFold.Lower or CaseFold.Upper ? new Derivation(Derivation.Key, caseFold.Value, b.At(m.Get("case")!)) : null;
        var erasure = m.Get("erasure") is { } erasureNode ? b.Enum<FieldErasure>(erasureNode, "erasure of a pointer") : null;
        return columns.Count == 0 || to is null || relation is null
            ? null
            : new Reference(columns, to, relation.Value, m.Flag("array"), m.Text("json_path"), m.Text("pattern"), b.At(node), derive, erasure, m.Text("to_column"), m.Text("pseudonym"));
    }

    private static string Clean(string message) =>
        message.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).TrimEnd('.') + ".";

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,62}\\z")]
    private static partial Regex NamePattern();
}
