using System.CommandLine;
using Governance.Core.ChatStores;
using Governance.Core.DataMap;
using Governance.Core.Requests;

namespace Governance.Web.CommandLine;

/// <summary>The data map at the command line: <c>policies validate</c>, <c>plan access|erase</c>, <c>datamap discover</c>, <c>find</c>.</summary>
internal static class DataMapCommands
{
    public static Command Policies()
    {
        var dir = new Argument<string?>("dir") { Description = "The policies folder (default: the one holding the data maps), or a folder of data maps only", Arity = ArgumentArity.ZeroOrOne };
        var offline = new Option<bool>("--offline") { Description = "Do not check the maps against the live chat stores" };
        var validate = new Command("validate", "Check every policy by kind (data maps, regulations, retention): every problem with file:line:column (exit 1 when there is any), and warn where a searched column has no index.") { dir, offline };
        validate.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            var folder = parse.GetValue(dir) ?? Path.GetDirectoryName(Folder())!;
            if (!Directory.Exists(folder))
            {
                throw new ArgumentException($"dir: no folder {folder}; give the policies folder (default: the folder holding datamap/).");
            }

            var (kinds, set) = Governance.Core.Retention.PolicyFolder.Validate(folder);
            var problems = kinds.SelectMany(k => k.Problems).ToList();
            var warnings = new List<DataMapProblem>();
            if (set.Valid && !parse.GetValue(offline))
            {
                await using var services = await GovernanceCommandLine.CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
                await using var registry = GovernanceCommandLine.OwnerStores(services);
                foreach (var map in set.Maps)
                {
                    foreach (var storeName in map.Stores)
                    {
                        var store = registry.All.FirstOrDefault(s => s.Name == storeName);
                        if (store is null)
                        {
                            Console.WriteLine($"note: map '{map.Name}' names store '{storeName}', which is not configured here; its live schema was not checked.");
                            continue;
                        }

                        try
                        {
                            problems.AddRange(await LiveSchemaCheck.CheckAsync(map, store.DataSource, storeName, token));
                            warnings.AddRange(await IndexCheck.WarningsAsync(map, store.DataSource, storeName, token));
                        }
                        catch (Npgsql.NpgsqlException)
                        {
                            Console.WriteLine($"note: store '{storeName}' is not reachable; map '{map.Name}' was checked without its live schema.");
                        }
                    }
                }
            }

            foreach (var problem in problems)
            {
                Console.Error.WriteLine(problem);
            }

            // Missing indexes do not make a map wrong, only its plans slow on a large store: said, not refused.
            foreach (var warning in warnings)
            {
                Console.WriteLine(warning);
            }

            foreach (var kind in kinds)
            {
                Console.WriteLine($"{kind.Kind}: {(kind.Problems.Count == 0 ? "valid, " + kind.Summary : $"{kind.Problems.Count} problems")}.");
            }

            Console.WriteLine(problems.Count == 0 ? "All policies valid." : $"{problems.Count} problems.");
            return problems.Count == 0 ? 0 : 1;
        }, ct));

        var policies = new Command("policies", "Policy files (data maps, regulations, retention).");
        policies.Add(validate);
        return policies;
    }

    public static Command Plan()
    {
        var plan = new Command("plan", "Print what an access or erasure would do in one chat store, from its data map. Executes nothing.");
        foreach (var kind in new[] { "access", "erase" })
        {
            var store = new Option<string>("--store") { Description = "Configured chat store, e.g. eu", Required = true };
            var preview = new Option<bool>("--preview") { Description = "Also run the plan's reads and previews in a read-only transaction and print row counts" };
            var identity = new IdentityOptions();
            var command = new Command(kind, kind == "access" ? "Plan an access (and portability) export." : "Plan an erasure; --preview counts what it would touch.")
            {
                store, preview,
            };
            identity.AddTo(command);
            command.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
            {
                var (identityKind, value) = identity.Read(parse);
                var storeName = parse.GetValue(store)!;
                var set = DataMapLoader.LoadDirectory(Folder());
                if (!set.Valid)
                {
                    throw new InvalidOperationException($"The data maps have {set.Problems.Count} problems; run './gov policies validate'.");
                }

                var map = set.Maps.FirstOrDefault(m => m.Stores.Contains(storeName))
                    ?? throw new ArgumentException($"--store: no data map names store '{storeName}'.");
                var configuration = GovernanceConfiguration.ForCommandLine();
                await using var services = parse.GetValue(preview) ? await GovernanceCommandLine.CoreServicesAsync(configuration, token) : null;
                var chatStore = services?.GetRequiredService<ChatStoreRegistry>().Get(storeName);
                var schema = chatStore is null ? null : await StoreSchema.LoadAsync(chatStore.DataSource, token);
                var planner = new DataMapPlanner(map, storeName, schema);
                if (!planner.HasIdentity(identityKind))
                {
                    throw new ArgumentException($"Map '{map.Name}' of store '{storeName}' has no {NameStyle.Kebab(identityKind)} identity; find the person by another kind.");
                }

                var built = kind == "access" ? planner.Access(identityKind, value) : planner.Erase(identityKind, value, PseudonymsForPrinting(configuration));
                Console.WriteLine(built.Describe());
                if (chatStore is not null)
                {
                    foreach (var step in await PlanPreview.RunAsync(built, chatStore.DataSource, token))
                    {
                        Console.WriteLine(step.Action is PlanAction.Select or PlanAction.Files
                            ? $"preview {step.Order}. {step.Collection}: {step.Rows.Count:N0} rows read ({step.Action.ToString().ToLowerInvariant()})"
                            : $"preview {step.Order}. {step.Collection}: {step.Rows.Count:N0} rows would be changed ({step.Action.ToString().ToLowerInvariant()}); nothing was changed");
                    }
                }

                return 0;
            }, ct));
            plan.Add(command);
        }

        return plan;
    }

    /// <summary>
    /// The key of erasure pseudonyms (<c>DataMap:PseudonymKey</c>). A printed plan may go without it: its pseudonyms
    /// are then marked placeholders and the plan cannot be executed. A key that is set but wrong is an error.
    /// </summary>
    private static Pseudonyms PseudonymsForPrinting(IConfiguration configuration)
    {
        var text = configuration[$"{DataMapOptions.Section}:{nameof(DataMapOptions.PseudonymKey)}"];
        if (string.IsNullOrWhiteSpace(text))
        {
            Console.WriteLine("note: DataMap:PseudonymKey is not set; pseudonyms in this plan are placeholders and it cannot be executed.");
            return Pseudonyms.Placeholder;
        }

        return Pseudonyms.FromSetting(text);
    }

    public static Command DataMap()
    {
        var store = new Option<string>("--store") { Description = "Configured chat store to read the schema of, e.g. eu", Required = true };
        var schema = new Option<string>("--schema") { Description = "Schema to read", DefaultValueFactory = _ => "public" };
        var output = new Option<string?>("--out") { Description = "Write the draft to this file instead of standard output (never over an existing file)" };
        var discover = new Command("discover", "Draft a data map from a store's live schema; every guess is marked REVIEW.") { store, schema, output };
        discover.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            var schemaName = parse.GetValue(schema)!;
            if (!System.Text.RegularExpressions.Regex.IsMatch(schemaName, "^[A-Za-z_][A-Za-z0-9_]{0,62}\\z"))
            {
                throw new ArgumentException("--schema must be a plain schema name.");
            }

            var file = parse.GetValue(output);
            if (file is not null && (File.Exists(file) || file.Split('/', '\\').Contains("..")))
            {
                throw new ArgumentException($"--out: {file} exists or leaves the folder with '..'; choose a new file.");
            }

            await using var services = await GovernanceCommandLine.CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            await using var owners = GovernanceCommandLine.OwnerStores(services);
            var chatStore = Store(owners, parse.GetValue(store)!);
            var draft = await Governance.Core.DataMap.Discovery.DataMapDiscovery.DraftAsync(chatStore.DataSource, chatStore.Name, schemaName, token);
            if (file is null)
            {
                Console.Write(draft);
            }
            else
            {
                await File.WriteAllTextAsync(file, draft, token);
                Console.WriteLine($"Draft written to {file}; review every line marked REVIEW, then './gov policies validate'.");
            }

            return 0;
        }, ct));
        var datamap = new Command("datamap", "Data maps of chat stores.");
        datamap.Add(discover);
        return datamap;
    }

    public static Command Find()
    {
        var identity = new IdentityOptions();
        var find = new Command("find", "Find a person in every regional chat store through the data maps; prints counts, not data.");
        identity.AddTo(find);
        find.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
        {
            var (kind, value) = identity.Read(parse);
            await using var services = await GovernanceCommandLine.CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
            var matches = await services.GetRequiredService<FindPerson>().SearchAsync(kind, value, GovernanceCommandLine.CliActor, null, token);
            await services.GetRequiredService<Governance.Core.Audit.AuditSealer>().SealAllAsync(token);
            foreach (var m in matches)
            {
                Console.WriteLine(m.Problem is not null
                    ? $"{m.Store} ({m.Region}): not searched: {m.Problem}"
                    : m.PersonIds.Count == 0
                        ? $"{m.Store} ({m.Region}): not found"
                        : $"{m.Store} ({m.Region}): found as {string.Join(", ", m.PersonIds)}; rows: {string.Join(", ", m.RowsByCollection.Select(kv => $"{kv.Key} {kv.Value:N0}"))}");
            }

            return 0;
        }, ct));
        return find;
    }

    private static ChatStore Store(ChatStoreRegistry registry, string name)
    {
        try
        {
            return registry.Get(name);
        }
        catch (KeyNotFoundException ex)
        {
            throw new ArgumentException($"--store: {ex.Message}");
        }
    }

    private static string Folder() =>
        (GovernanceConfiguration.ForCommandLine().GetSection(DataMapOptions.Section).Get<DataMapOptions>() ?? new()).ResolveDirectory();

    /// <summary>--email, --phone, --user-id, --external-id: exactly one, checked for its shape.</summary>
    private sealed class IdentityOptions
    {
        private readonly Option<string?> _email = new("--email") { Description = "Find the person by e-mail" };
        private readonly Option<string?> _phone = new("--phone") { Description = "Find the person by phone (E.164, e.g. +447700900123)" };
        private readonly Option<string?> _userId = new("--user-id") { Description = "Find the person by the chat system's user id (e.g. @alice:example.org)" };
        private readonly Option<string?> _externalId = new("--external-id") { Description = "Find the person by an external id the map declares (SSO subject, employee number)" };

        public void AddTo(Command command)
        {
            command.Add(_email);
            command.Add(_phone);
            command.Add(_userId);
            command.Add(_externalId);
        }

        public (IdentityKind Kind, string Value) Read(ParseResult parse)
        {
            var email = parse.GetValue(_email);
            var phone = parse.GetValue(_phone);
            var userId = parse.GetValue(_userId);
            var external = parse.GetValue(_externalId);
            if (new[] { email, phone, userId, external }.Count(v => !string.IsNullOrWhiteSpace(v)) != 1)
            {
                throw new ArgumentException("Give exactly one of --email, --phone, --user-id or --external-id.");
            }

            if (!string.IsNullOrWhiteSpace(email))
            {
                return ContactFormats.IsEmail(email)
                    ? (IdentityKind.Email, email.Trim())
                    : throw new ArgumentException("--email is not a valid e-mail address.");
            }

            if (!string.IsNullOrWhiteSpace(phone))
            {
                return ContactFormats.IsPhone(phone)
                    ? (IdentityKind.Phone, phone)
                    : throw new ArgumentException("--phone must be in E.164 form, e.g. +447700900123.");
            }

            return userId is not null
                ? (ChatIds.IsChatId(userId) ? (IdentityKind.UserId, userId) : throw new ArgumentException($"--user-id must be an id of 1 to {ChatIds.MaxLength} visible characters, without spaces."))
                : (ChatIds.IsChatId(external) ? (IdentityKind.ExternalId, external!) : throw new ArgumentException($"--external-id must be an id of 1 to {ChatIds.MaxLength} visible characters, without spaces."));
        }
    }
}
