using Cronos;
using Governance.Core.DataMap;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Governance.Core.Retention;

/// <summary>
/// Reads the retention rules (<c>policies/retention/*.yaml</c>) strictly, against the data maps they name: every problem
/// with its file, line and column, and no rule in force unless every file is valid. Refused: an unknown map, collection,
/// store or action; a collection without a date column or with a composite key; a delete rule on the people themselves; a
/// scope the collection cannot be traced to (a tenant rule on rows with no tenant); an age that is not a positive ISO
/// 8601 duration; a schedule that is not a five-field cron or that never fires; two rules for the same scope at the
/// same level; two rules of one name.
/// </summary>
public static class RetentionPolicyLoader
{
    public static readonly string[] ConversationKinds = ["direct", "group", "channel"];

    /// <param name="regions">The regions of the configured chat stores, to check a rule's region (null: not checked).</param>
    /// <param name="replacing">Texts to read instead of the files of those names (a change under review on the Retention page).</param>
    public static RetentionPolicy LoadDirectory(string directory, IReadOnlyList<DataMapDocument> maps, IReadOnlyCollection<string>? regions = null,
        IReadOnlyDictionary<string, string>? replacing = null)
    {
        if (!Directory.Exists(directory))
        {
            return new RetentionPolicy([], []); // no retention folder: no rule in force, nothing purged
        }

        var problems = new List<DataMapProblem>();
        var rules = new List<RetentionRule>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.yaml").Concat(Directory.EnumerateFiles(directory, "*.yml")).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), file);
            var text = replacing?.GetValueOrDefault(Path.GetFileName(file)) ?? File.ReadAllText(file);
            rules.AddRange(Load(relative.StartsWith("..", StringComparison.Ordinal) ? Path.GetFullPath(file) : relative, text, maps, regions, problems));
        }

        CheckAcrossFiles(rules, problems);
        return problems.Count > 0 ? new RetentionPolicy([], problems) : new RetentionPolicy(rules, []);
    }

    /// <summary>Parses one file's text; adds its problems and returns its rules (all of them, for the checks across files).</summary>
    public static IReadOnlyList<RetentionRule> Load(string file, string text, IReadOnlyList<DataMapDocument> maps, IReadOnlyCollection<string>? regions, List<DataMapProblem> problems)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            problems.Add(new DataMapProblem(new SourceLocation(file, (int)ex.Start.Line, (int)ex.Start.Column), $"Not valid YAML: {(ex.InnerException?.Message ?? ex.Message).Trim()}"));
            return [];
        }

        if (stream.Documents.Count != 1)
        {
            problems.Add(new DataMapProblem(new SourceLocation(file, 1, 1), "A retention file holds exactly one YAML document."));
            return [];
        }

        var b = new YamlBinder(file, problems);
        var top = b.Map(stream.Documents[0].RootNode, "the retention file", "version", "map", "rules");
        if (top is null)
        {
            return [];
        }

        if (top.Text("version", required: true) is { } version && version != "1")
        {
            b.Problem(top.Get("version")!, $"Version '{version}' is not supported; this console reads version 1.");
        }

        var mapName = top.Text("map", required: true);
        var console = mapName == ConsoleRecords.Map;
        var map = mapName is null || console ? null : maps.FirstOrDefault(m => m.Name == mapName);
        if (mapName is not null && map is null && !console)
        {
            b.Problem(top.Get("map")!, $"No data map is named '{mapName}' (maps: {string.Join(", ", maps.Select(m => m.Name))}).");
            return [];
        }

        var rules = new List<RetentionRule>();
        foreach (var node in b.Items(top.Required("rules"), "'rules'"))
        {
            if ((map is not null || console) && BindRule(b, node, map, regions) is { } rule)
            {
                rules.Add(rule);
            }
        }

        return rules;
    }

    /// <param name="map">The data map, or null for the console's own records.</param>
    private static RetentionRule? BindRule(YamlBinder b, YamlNode node, DataMapDocument? map, IReadOnlyCollection<string>? regions)
    {
        if (map is null)
        {
            return BindConsoleRule(b, node);
        }

        var before = CountOf(b); // an unknown key is reported as the rule is read: counted as the rule's problem
        var m = b.Map(node, "a rule", "name", "collection", "store", "region", "tenant", "conversation_kind", "conversation", "age", "action", "schedule", "approval", "why");
        if (m is null)
        {
            return null;
        }

        var name = Name(b, m);
        var collectionName = m.Text("collection", required: true);
        var collection = collectionName is null ? null : map.Find(collectionName);
        if (collectionName is not null && collection is null)
        {
            b.Problem(m.Get("collection")!, $"Map '{map.Name}' has no collection '{collectionName}'.");
        }
        else if (collection is not null && collection.DatedBy is null)
        {
            b.Problem(m.Get("collection")!, $"Collection '{collection.Name}' has no dated_by column in map '{map.Name}': its rows cannot be aged.");
        }
        else if (collection is not null && collection.Key.Count != 1)
        {
            b.Problem(m.Get("collection")!, $"Collection '{collection.Name}' has a composite key: retention of it is not supported.");
        }

        var store = m.Text("store");
        var region = m.Text("region");
        if (store is not null && region is not null)
        {
            b.Problem(m.Get("region")!, $"{m.What} names both a store and a region: name one.");
        }

        if (store is not null && !map.Stores.Contains(store))
        {
            b.Problem(m.Get("store")!, $"Map '{map.Name}' covers no store '{store}' (stores: {string.Join(", ", map.Stores)}).");
        }

        if (region is not null && regions is not null && !regions.Contains(region))
        {
            b.Problem(m.Get("region")!, $"No configured chat store is in region '{region}' (regions: {string.Join(", ", regions.Order(StringComparer.Ordinal))}).");
        }

        var tenant = m.Text("tenant");
        var kind = m.Text("conversation_kind");
        var conversation = m.Text("conversation");
        if (collection is not null)
        {
            CheckScope(b, m, map, collection, "tenant", tenant, map.Holds.Tenant);
            CheckScope(b, m, map, collection, "conversation", conversation, map.Holds.Conversation);
            CheckScope(b, m, map, collection, "conversation_kind", kind, map.Holds.Conversation);
            if (kind is not null && map.Holds.ConversationKind is null)
            {
                b.Problem(m.Get("conversation_kind")!, $"Map '{map.Name}' does not say which column holds a conversation's kind (holds: conversation_kind).");
            }
        }

        if (kind is not null && !ConversationKinds.Contains(kind))
        {
            b.Problem(m.Get("conversation_kind")!, $"'{kind}' is not a conversation kind: direct, group or channel.");
        }

        if (conversation is not null && kind is not null)
        {
            b.Problem(m.Get("conversation_kind")!, $"{m.What} names a conversation and a kind of conversation: a conversation has one kind; name one.");
        }

        var age = Age(b, m);
        var action = b.Enum<RetentionAction>(m.Required("action"), $"'action' of {m.What}");
        if (action is RetentionAction.Delete or RetentionAction.ArchiveThenDelete && collection is not null && collection.Name == map.SubjectCollection?.Name)
        {
            b.Problem(m.Get("action")!, $"'{collection.Name}' holds the people themselves in map '{map.Name}': accounts are closed or erased, not deleted by age; use 'anonymise'.");
        }
        else if (action == RetentionAction.Anonymise && collection is not null && RetentionAnonymise.Problem(map, collection) is { } cannot)
        {
            b.Problem(m.Get("action")!, cannot);
        }

        var (schedule, why, approval) = Tail(b, m);
        return CountOf(b) == before && name is not null && collection is not null && age is not null && action is { } a && schedule is not null && why is not null
            ? new RetentionRule(name, map.Name, collection.Name, store, region, tenant, kind, conversation, age, a, schedule, approval, why, b.At(node))
            : null;
    }

    private static int CountOf(YamlBinder b) => b.ProblemCount;

    /// <summary>The rule's name: lower-case letters, digits and '-' (it names the rule's recurring job and its audit entries).</summary>
    private static string? Name(YamlBinder b, YamlBinder.MapReader m)
    {
        var name = m.Text("name", required: true);
        m.What = name is null ? "a rule" : $"rule '{name}'";
        if (name is not null && !System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9][a-z0-9-]{0,62}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant))
        {
            b.Problem(m.Get("name")!, $"rule name '{name}' must be lower-case letters, digits and '-' (at most 63), such as 'messages-two-years'.");
        }

        return name;
    }

    /// <summary>The rule's age, or null with its problem reported.</summary>
    private static RetentionAge? Age(YamlBinder b, YamlBinder.MapReader m)
    {
        if (m.Text("age", required: true) is not { } text)
        {
            return null;
        }

        var age = RetentionAge.Parse(text, out var problem);
        if (problem is not null)
        {
            b.Problem(m.Get("age")!, $"age of {m.What}: {problem}");
        }

        return age;
    }

    /// <summary>What every rule ends with: its schedule (checked), why it exists, and whether each run is approved.</summary>
    private static (string? Schedule, string? Why, bool Approval) Tail(YamlBinder b, YamlBinder.MapReader m)
    {
        var schedule = m.Text("schedule", required: true);
        if (schedule is not null)
        {
            CheckSchedule(b, m.Get("schedule")!, schedule);
        }

        return (schedule, m.Text("why", required: true), m.Flag("approval"));
    }

    /// <summary>A rule for the console's own records: one of its collections, no scope, the action it allows, at least its minimum age.</summary>
    private static RetentionRule? BindConsoleRule(YamlBinder b, YamlNode node)
    {
        var before = CountOf(b);
        var m = b.Map(node, "a rule", "name", "collection", "age", "action", "schedule", "approval", "why");
        if (m is null)
        {
            return null;
        }

        var name = Name(b, m);
        var collection = m.Text("collection", required: true);
        (RetentionAction Action, int MinimumMonths, string What)? known = collection is not null && ConsoleRecords.Collections.TryGetValue(collection, out var k) ? k : null;
        if (collection is not null && known is null)
        {
            b.Problem(m.Get("collection")!, $"The console keeps no records named '{collection}' (it keeps: {string.Join(", ", ConsoleRecords.Collections.Keys)}).");
        }

        var age = Age(b, m);
        var reference = DateTimeOffset.UnixEpoch.AddYears(100);
        if (age is not null && known is { MinimumMonths: > 0 } min && age.CutoffFrom(reference) > reference.AddMonths(-min.MinimumMonths))
        {
            b.Problem(m.Get("age")!, $"age of {m.What}: {collection} are kept at least {min.MinimumMonths} months (CCPA regulations, 11 CCR § 7101(a)); '{age.Text}' is shorter.");
        }

        var action = b.Enum<RetentionAction>(m.Required("action"), $"'action' of {m.What}");
        if (action is { } a0 && known is { } kk && a0 != kk.Action)
        {
            b.Problem(m.Get("action")!, $"{collection} are {(kk.Action == RetentionAction.Delete ? "deleted" : "anonymised")} by retention, not '{RetentionRule.ActionCode(a0)}': use '{RetentionRule.ActionCode(kk.Action)}'.");
        }

        var (schedule, why, approval) = Tail(b, m);
        return CountOf(b) == before && name is not null && collection is not null && age is not null && action is { } a && schedule is not null && why is not null
            ? new RetentionRule(name, ConsoleRecords.Map, collection, null, null, null, null, null, age, a, schedule, approval, why, b.At(node))
            : null;
    }

    private static void CheckScope(YamlBinder b, YamlBinder.MapReader m, DataMapDocument map, Collection collection, string key, string? value, string? scopeCollection)
    {
        if (value is null)
        {
            return;
        }

        if (scopeCollection is null)
        {
            b.Problem(m.Get(key)!, $"Map '{map.Name}' names no {(key == "tenant" ? "tenant" : "conversation")} collection (holds: {(key == "tenant" ? "tenant" : "conversation")}): a rule cannot be scoped by {key}.");
        }
        else if (map.ScopePath(collection, scopeCollection) is null)
        {
            b.Problem(m.Get(key)!, $"The rows of '{collection.Name}' do not lead to a {(key == "tenant" ? "tenant" : "conversation")} in map '{map.Name}': a {key} rule cannot select them.");
        }
    }

    private static void CheckSchedule(YamlBinder b, YamlNode node, string schedule)
    {
        if (schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 5)
        {
            b.Problem(node, $"schedule '{schedule}' must be a cron expression of five fields (minute hour day-of-month month day-of-week), such as '0 3 * * *'.");
            return;
        }

        CronExpression cron;
        try
        {
            cron = CronExpression.Parse(schedule, CronFormat.Standard);
        }
        catch (CronFormatException ex)
        {
            b.Problem(node, $"schedule '{schedule}' is not a valid cron expression: {ex.Message}");
            return;
        }

        if (cron.GetNextOccurrence(DateTime.UtcNow, TimeZoneInfo.Utc) is null)
        {
            b.Problem(node, $"schedule '{schedule}' never fires (no such date); the rule would never run.");
        }
    }

    /// <summary>Names unique; no two rules for one collection with the very same scope at the same level.</summary>
    private static void CheckAcrossFiles(IReadOnlyList<RetentionRule> rules, List<DataMapProblem> problems)
    {
        var named = new Dictionary<string, RetentionRule>(StringComparer.Ordinal);
        var scoped = new Dictionary<string, RetentionRule>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            if (named.TryGetValue(rule.Name, out var first))
            {
                problems.Add(new DataMapProblem(rule.Where, $"Another rule is also named '{rule.Name}' ({first.Where})."));
            }
            else
            {
                named[rule.Name] = rule;
            }

            var scope = string.Join('\u001f', rule.Map, rule.Collection, rule.Store ?? "", rule.Region ?? "", rule.Tenant ?? "", rule.ConversationKind ?? "", rule.Conversation ?? "");
            if (scoped.TryGetValue(scope, out var same))
            {
                problems.Add(new DataMapProblem(rule.Where,
                    $"Rules '{same.Name}' ({same.Where}) and '{rule.Name}' both govern {rule.Collection} of {rule.ScopeText} at the same level: one scope has one rule."));
            }
            else
            {
                scoped[scope] = rule;
            }
        }
    }
}
