using System.Security.Cryptography;
using Dapper;
using Governance.Core.Audit;
using Governance.Core.ChatStores;
using Governance.Core.Database;
using Governance.Core.DataMap;
using Governance.Core.Requests;
using Governance.Core.Validation;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Governance.Core.Exports;

/// <summary>A package of a request, as the console keeps it.</summary>
public sealed record ExportPackage(Guid Id, Guid RequestId, string Store, string Region, string State, long? SizeBytes, string? Sha256, long? Rows, int? Files, DateTimeOffset? ReadyAt, DateTimeOffset? ExpiresAt, DateTimeOffset? CopyMadeAt = null);

/// <summary>
/// Answers an approved access or portability request: one package per region where the person has data, written in
/// that region's own folder (an export never moves data out of its region), encrypted at rest (AES-256-GCM, a key of
/// its own per package kept protected by the console's data-protection keys), ready for a time-limited download.
/// A run that fails leaves no package behind (the partial file is removed) and can be run again.
/// </summary>
public sealed class RequestExport(
    GovernanceDatabase database,
    PersonLocator locator,
    TransitionRequest transitions,
    AuditLog audit,
    IDataProtectionProvider protection,
    IOptions<ExportOptions> options,
    IConfiguration configuration,
    TimeProvider time,
    IEnumerable<IExportSummary> summaries)
{
    private static readonly string[] Types = ["access", "portability"];

    private IDataProtector Protector => protection.CreateProtector("Governance.Exports.PackageKeys.v1");

    /// <summary>The folder of a region's packages.</summary>
    public string FolderOf(string region) =>
        options.Value.Folders.TryGetValue(region, out var folder) && !string.IsNullOrWhiteSpace(folder)
            ? Path.GetFullPath(folder)
            : Path.Combine(GovernancePaths.DataDirectory(configuration), "exports", region);

    /// <summary>Checks an export can run (an approved access or portability request, the person found) and moves the request to Processing; a refusal is audited.</summary>
    public async Task StartAsync(Guid requestId, AuditActor actor, CancellationToken ct)
    {
        try
        {
            var request = await RequestAsync(requestId, ct) ?? throw new KeyNotFoundException("No such request.");
            if (!Types.Contains(request.Type))
            {
                throw ValidationException.For("request", "type", $"This is a request of type {request.Type}: only access and portability requests are exported.");
            }

            if (request.State is not (nameof(RequestState.Approved) or nameof(RequestState.Failed)))
            {
                throw ValidationException.For("request", "state", $"The request is {request.State}: only an approved request is exported (or a failed export run again).");
            }

            if ((await LocateAsync(request, ct)).Count == 0)
            {
                throw ValidationException.For("request", "person", "The person was not found in any chat store by the identities the request gives: there is nothing to export.");
            }
        }
        catch (Exception ex) when (ex is ValidationException or KeyNotFoundException)
        {
            await audit.AppendAsync(new AuditRecord(actor, "export.start", AuditOutcome.Denied, "request", requestId.ToString("D"), requestId.ToString("D"),
                new Dictionary<string, object?> { ["reason"] = ex is ValidationException v ? string.Join(",", v.Errors.Keys) : "not-found" }), ct);
            throw;
        }

        var failed = (await RequestAsync(requestId, ct))!.State == nameof(RequestState.Failed);
        await transitions.ExecuteAsync(failed
            ? new TransitionCommand(requestId, RequestAction.Retry, "Export run again")
            : new TransitionCommand(requestId, RequestAction.StartProcessing, "Export started"), actor, ct);
    }

    /// <summary>Writes the package of every store where the person is, then completes the request (or fails it with the reason).</summary>
    public async Task<IReadOnlyList<ExportPackage>> RunAsync(Guid requestId, AuditActor actor, CancellationToken ct)
    {
        var request = await RequestAsync(requestId, ct) ?? throw new KeyNotFoundException("No such request.");
        if (request.State != nameof(RequestState.Processing))
        {
            throw new InvalidTransitionException($"The request is {request.State}: an export runs only while the request is Processing.");
        }

        var problems = new List<string>();
        IReadOnlyList<(ChatStore Store, DataMapDocument Map, Plan Plan)> located;
        try
        {
            located = await LocateAsync(request, ct);
        }
        catch (ValidationException ex)
        {
            await transitions.ExecuteAsync(new TransitionCommand(requestId, RequestAction.Fail, $"Export stopped before any package was written: {ex.Messages()}"), actor, ct);
            return await PackagesAsync(requestId, ct);
        }

        foreach (var (store, map, plan) in located)
        {
            try
            {
                await WritePackageAsync(request, store, map, plan, ct);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or IOException or InvalidOperationException)
            {
                var reason = ex is Npgsql.PostgresException pg ? $"database error {pg.SqlState}" : ex is Npgsql.NpgsqlException ? "store unreachable" : ex.GetType().Name;
                problems.Add($"{store.Name}: {reason}");
                await using var connection = await database.OpenAsync(ct);
                await connection.ExecuteAsync(new CommandDefinition(
                    "update gov.exports set state = 'failed', problem = @reason where request_id = @requestId and store = @store and state = 'writing'",
                    new { requestId, store = store.Name, reason }, cancellationToken: ct));
            }
        }

        var packages = await PackagesAsync(requestId, ct);
        if (problems.Count > 0)
        {
            await transitions.ExecuteAsync(new TransitionCommand(requestId, RequestAction.Fail,
                $"Export stopped: {string.Join("; ", problems)}. No partial package was kept; running it again writes them anew."), actor, ct);
        }
        else
        {
            var ready = packages.Where(p => p.State == "ready").ToList();
            await transitions.ExecuteAsync(new TransitionCommand(requestId, RequestAction.Complete,
                $"Package(s) ready in {string.Join(", ", ready.Select(p => p.Region))}: {ready.Sum(p => p.Rows ?? 0):N0} rows, {ready.Sum(p => p.Files ?? 0):N0} files; downloadable until {ready.Min(p => p.ExpiresAt):yyyy-MM-dd}."),
                actor, ct);
        }

        return packages;
    }

    /// <summary>Writes one store's package to a partial file in its region's folder, encrypted, and makes it ready; a failure removes the partial file.</summary>
    private async Task WritePackageAsync(RequestSubject request, ChatStore store, DataMapDocument map, Plan plan, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        var key = RandomNumberGenerator.GetBytes(32);
        var folder = FolderOf(store.Region);
        Directory.CreateDirectory(folder);
        var final = Path.Combine(folder, $"{id:N}.gpkg");
        await using (var connection = await database.OpenAsync(ct))
        {
            var done = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "select exists (select 1 from gov.exports where request_id = @requestId and store = @store and state = 'ready')",
                new { requestId = request.Id, store = store.Name }, cancellationToken: ct));
            if (done)
            {
                return;
            }

            await connection.ExecuteAsync(new CommandDefinition("""
                insert into gov.exports (id, request_id, store, region, state, file_name, key_protected, created_at)
                values (@id, @requestId, @store, @region, 'writing', @file, @key, now())
                """, new { id, requestId = request.Id, store = store.Name, region = store.Region, file = Path.GetFileName(final), key = Protector.Protect(key) }, cancellationToken: ct));
        }

        IReadOnlyList<PackageEntry> entries = [];
        var (sha, size) = await PackageFile.WriteAsync(final, replace: false, async file =>
        {
            await using var encrypting = PackageCipher.Encrypting(file, key, leaveOpen: true);
            var source = new PackageWriter.Source(request.Reference, store.Name, store.Region, time.GetUtcNow());
            entries = await PackageWriter.WriteAsync(plan, store, source, encrypting, ct,
                summaries.FirstOrDefault() is { } summary ? written => summary.Render(map, source, written) : null);
        }, ct);

        await using (var connection = await database.OpenAsync(ct))
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                update gov.exports set state = 'ready', size_bytes = @size, sha256 = @sha, rows = @rows, files = @files, ready_at = now(),
                    expires_at = now() + make_interval(days => @days)
                where id = @id
                """, new
            {
                id,
                size,
                sha,
                rows = entries.Where(e => e.Rows is not null && e.Name.EndsWith(".jsonl", StringComparison.Ordinal)).Sum(e => e.Rows!.Value),
                files = entries.Count(e => e.Name.StartsWith("files/", StringComparison.Ordinal)),
                days = Math.Clamp(options.Value.KeepDays, 1, 90),
            }, cancellationToken: ct));
        }
    }

    /// <summary>Decrypts a ready package into <paramref name="output"/> (for its download, audited by the caller); null when it is not there or has expired.</summary>
    public async Task<bool> OpenAsync(ExportPackage package, Stream output, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<(string File, byte[] Key)?>(new CommandDefinition(
            "select file_name, key_protected from gov.exports where id = @id and state = 'ready' and expires_at > now()", new { id = package.Id }, cancellationToken: ct));
        if (row is not { } r)
        {
            return false;
        }

        var path = Path.Combine(FolderOf(package.Region), r.File);
        await using var file = File.OpenRead(path);
        await PackageCipher.DecryptAsync(file, output, Protector.Unprotect(r.Key), ct);
        return true;
    }

    public async Task<ExportPackage?> FindAsync(Guid id, CancellationToken ct) =>
        (await ListAsync("id = @id", new { id }, ct)).FirstOrDefault();

    public Task<IReadOnlyList<ExportPackage>> PackagesAsync(Guid requestId, CancellationToken ct) =>
        ListAsync("request_id = @requestId", new { requestId }, ct);

    /// <summary>Deletes packages past their time (the file, its password-protected copy, and the key that could open it); each deletion audited.</summary>
    public async Task<int> ExpireAsync(AuditActor actor, CancellationToken ct)
    {
        var expired = await ListAsync("state = 'ready' and expires_at <= now()", new { }, ct);
        foreach (var p in expired)
        {
            await using var connection = await database.OpenAsync(ct);
            var (file, copy) = await connection.QuerySingleAsync<(string File, string? Copy)>(new CommandDefinition(
                "select file_name, copy_file_name from gov.exports where id = @id", new { id = p.Id }, cancellationToken: ct));
            File.Delete(Path.Combine(FolderOf(p.Region), file));
            if (copy is not null)
            {
                File.Delete(Path.Combine(FolderOf(p.Region), copy));
            }

            await connection.ExecuteAsync(new CommandDefinition(
                "update gov.exports set state = 'expired', deleted_at = now(), key_protected = null where id = @id", new { id = p.Id }, cancellationToken: ct));
            await audit.AppendAsync(new AuditRecord(actor, "export.expire", AuditOutcome.Success, "export", p.Id.ToString("D"), p.RequestId.ToString("D"),
                new Dictionary<string, object?> { ["store"] = p.Store, ["sha256"] = p.Sha256, ["person_copy"] = copy is not null }), ct);
        }

        return expired.Count;
    }

    private async Task<IReadOnlyList<ExportPackage>> ListAsync(string where, object parameters, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<(Guid, Guid, string, string, string, long?, string?, long?, int?, DateTime?, DateTime?, DateTime?)>(new CommandDefinition($"""
            select id, request_id, store, region, state, size_bytes, sha256, rows, files, ready_at, expires_at, copy_made_at from gov.exports where {where} order by store, created_at
            """, parameters, cancellationToken: ct));
        return rows.Select(r => new ExportPackage(r.Item1, r.Item2, r.Item3, r.Item4, r.Item5, r.Item6, r.Item7, r.Item8, r.Item9,
            r.Item10 is { } a ? DbTime.Utc(a) : null, r.Item11 is { } e ? DbTime.Utc(e) : null, r.Item12 is { } c ? DbTime.Utc(c) : null)).ToList();
    }

    /// <summary>Each store where the person is, with its access plan by the first identity that finds them there.</summary>
    private async Task<IReadOnlyList<(ChatStore Store, DataMapDocument Map, Plan Plan)>> LocateAsync(RequestSubject request, CancellationToken ct)
    {
        var (_, places) = await locator.LocateAsync(request, ct);
        return places.Where(p => p.Found)
            .Select(p => (p.Store, p.Map, new DataMapPlanner(p.Map, p.Store.Name, p.Schema).Access(p.Kind!.Value, p.Value!))).ToList();
    }

    private Task<RequestSubject?> RequestAsync(Guid id, CancellationToken ct) => RequestSubject.LoadAsync(database, id, ct);
}
