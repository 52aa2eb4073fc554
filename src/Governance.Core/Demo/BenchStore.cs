using Dapper;
using Npgsql;

namespace Governance.Core.Demo;

/// <summary>A reference chat store for benchmarks: many users and group conversations, and one person (user 1) with many messages and files.</summary>
public static class BenchStore
{
    public const int Users = 5_000;
    public const int Conversations = 2_000;
    public const long Person = 1;

    /// <summary>The reference schema and its rows, set-based: the person (user 1) in every conversation, one message in five theirs.</summary>
    public static async Task<List<string>> SeedAsync(string store, int storeMessages, int personMessages, TextWriter output, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(store);
        await connection.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(DemoSeeder.SchemaSql(), cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition($"""
            insert into tenants values (1, 'Bench', 'bench.example', 'eu', now() - interval '3 years');
            insert into users (id, tenant_id, email, display_name, locale, home_region, created_at, last_login_at, last_login_ip)
                select g, 1, 'user' || g || '@bench.example', 'User ' || g, 'en', 'eu', now() - interval '2 years', now(), '10.0.0.1'
                from generate_series(1, {Users}) g;
            insert into conversations (id, tenant_id, kind, name, created_by, created_at, region)
                select g, 1, 'group', 'Group ' || g, 2 + g % ({Users} - 1), now() - interval '2 years', 'eu' from generate_series(1, {Conversations}) g;
            insert into conversation_members (conversation_id, user_id, role, joined_at)
                select distinct c, u, 'member', now() - interval '2 years'
                from generate_series(1, {Conversations}) c, lateral (select 1 + (c * 7 + k * 131) % {Users} as u from generate_series(0, 9) k union select 1) m;
            insert into devices (id, user_id, platform, model, push_token, created_at) select g, 1 + g % {Users}, 'ios', 'phone', 'token' || g, now() from generate_series(1, 10000) g;
            insert into sessions (id, user_id, device_id, ip, user_agent, created_at, expires_at)
                select g, 1 + g % {Users}, g, '10.0.0.2', 'agent', now(), now() + interval '1 day' from generate_series(1, 10000) g;
            """, cancellationToken: ct));
        var every = storeMessages / personMessages;
        const int chunk = 1_000_000;
        for (var from = 1; from <= storeMessages; from += chunk)
        {
            var to = Math.Min(storeMessages, from + chunk - 1);
            await connection.ExecuteAsync(new CommandDefinition($"""
                insert into messages (id, conversation_id, sender_id, body, created_at, mentions)
                select g, 1 + g % {Conversations},
                       case when g % {every} = 0 and g / {every} <= {personMessages} then 1 else 2 + g % ({Users} - 1) end,
                       'message ' || g || ': the quarterly numbers look fine, see the attached sheet before the call',
                       now() - ({storeMessages} - g) * interval '1 second',
                       case when g % 997 = 1 then array[1::bigint] end
                from generate_series({from}, {to}) g
                """, commandTimeout: 0, cancellationToken: ct));
            output.WriteLine($"  seeded messages {from:N0}-{to:N0}");
        }

        var files = Math.Min(2_000, Math.Max(1, personMessages / 500));
        await connection.ExecuteAsync(new CommandDefinition($"""
            insert into attachments (id, message_id, uploader_id, file_name, size_bytes, content_type, blob_path, storage_region, created_at)
            select k, k * {every}, 1, 'sheet-' || k || '.xlsx', 256, 'application/octet-stream', 'bench/' || k || '.bin', 'eu', now()
            from generate_series(1, {files}) k;
            insert into reactions (message_id, user_id, emoji, created_at)
                select g * 5 + 1, 1, '+1', now() from generate_series(1, 5000) g on conflict do nothing;
            analyze;
            """, commandTimeout: 0, cancellationToken: ct));
        return Enumerable.Range(1, files).Select(k => $"bench/{k}.bin").ToList();
    }
}
