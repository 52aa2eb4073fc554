-- The audit log: append-only entries, sealed into a SHA-256 hash chain (see docs/audit.md).
--
-- Writers only INSERT into gov.audit_log, in the same transaction as the change they record; each entry keeps
-- the id of the transaction that wrote it (txid). The sealer, one at a time, appends entries to gov.audit_chain
-- in (txid, id) order, but only those whose transactions have all finished: once every transaction below a
-- horizon has ended, no entry below it can still appear, so what is sealed is final and nothing is missed.
-- Neither entries nor chain can be updated or deleted: grants give the application role INSERT and SELECT
-- only, and triggers refuse UPDATE, DELETE and TRUNCATE for everyone, owners included.

create table if not exists gov.audit_log (
    id             bigint generated always as identity primary key,
    occurred_at    timestamptz not null default clock_timestamp(),
    actor_type     text        not null,
    actor_id       text        not null,
    actor_roles    text,
    action         text        not null,
    target_type    text,
    target_id      text,
    request_id     text,
    outcome        text        not null,
    client_address text,
    details        jsonb       not null default '{}'::jsonb,
    txid           xid8        not null default pg_current_xact_id(),
    constraint audit_log_actor_type check (actor_type in ('user', 'job', 'system')),
    constraint audit_log_outcome check (outcome in ('success', 'failure', 'denied')),
    constraint audit_log_lengths check (
        char_length(actor_id) <= 200 and char_length(coalesce(actor_roles, '')) <= 200
        and char_length(action) between 1 and 100 and char_length(coalesce(target_type, '')) <= 100
        and char_length(coalesce(target_id, '')) <= 200 and char_length(coalesce(request_id, '')) <= 100
        and char_length(coalesce(client_address, '')) <= 64 and octet_length(details::text) <= 8192),
    constraint audit_log_details_object check (jsonb_typeof(details) = 'object')
);

create index if not exists audit_log_seal_idx on gov.audit_log (txid, id);
create index if not exists audit_log_occurred_idx on gov.audit_log (occurred_at desc, id desc);
create index if not exists audit_log_actor_idx on gov.audit_log (actor_id, occurred_at desc);
create index if not exists audit_log_action_idx on gov.audit_log (action, occurred_at desc);
create index if not exists audit_log_target_idx on gov.audit_log (target_type, target_id, occurred_at desc);
create index if not exists audit_log_request_idx on gov.audit_log (request_id, occurred_at desc) where request_id is not null;
create index if not exists audit_log_outcome_idx on gov.audit_log (outcome, occurred_at desc) where outcome <> 'success';

create table if not exists gov.audit_chain (
    seq       bigint      primary key,
    entry_id  bigint      not null unique, -- no foreign key: its row lock on each entry would rewrite the pages writers are filling; verification checks it
    prev_hash bytea       not null,
    hash      bytea       not null,
    sealed_at timestamptz not null default now(),
    constraint audit_chain_seq_positive check (seq > 0),
    constraint audit_chain_hash_sizes check (octet_length(prev_hash) = 32 and octet_length(hash) = 32)
);

-- Positions and hashes confirmed by verification runs: a later run checks that history up to each checkpoint
-- is unchanged and that the chain was not cut short.
create table if not exists gov.audit_checkpoints (
    id          bigint generated always as identity primary key,
    seq         bigint      not null,
    hash        bytea       not null,
    verified_at timestamptz not null default now()
);

create table if not exists gov.alerts (
    id          bigint generated always as identity primary key,
    raised_at   timestamptz not null default now(),
    rule        text        not null,
    severity    text        not null check (severity in ('info', 'warning', 'critical')),
    summary     text        not null check (char_length(summary) <= 500),
    subject     text,
    details     jsonb       not null default '{}'::jsonb,
    resolved_at timestamptz,
    resolved_by text
);
create index if not exists alerts_open_idx on gov.alerts (raised_at desc) where resolved_at is null;
-- One open alert per rule and subject: evaluating a rule again does not repeat it.
create unique index if not exists alerts_open_rule_subject_key on gov.alerts (rule, coalesce(subject, '')) where resolved_at is null;

create or replace function gov.audit_refuse_change() returns trigger
language plpgsql as $$
begin
    raise exception 'the audit log is append-only: % on %.% is refused', tg_op, tg_table_schema, tg_table_name
        using errcode = 'insufficient_privilege';
end
$$;

drop trigger if exists audit_log_append_only on gov.audit_log;
create trigger audit_log_append_only before update or delete on gov.audit_log
    for each row execute function gov.audit_refuse_change();
drop trigger if exists audit_log_no_truncate on gov.audit_log;
create trigger audit_log_no_truncate before truncate on gov.audit_log
    for each statement execute function gov.audit_refuse_change();

drop trigger if exists audit_chain_append_only on gov.audit_chain;
create trigger audit_chain_append_only before update or delete on gov.audit_chain
    for each row execute function gov.audit_refuse_change();
drop trigger if exists audit_chain_no_truncate on gov.audit_chain;
create trigger audit_chain_no_truncate before truncate on gov.audit_chain
    for each statement execute function gov.audit_refuse_change();

drop trigger if exists audit_checkpoints_append_only on gov.audit_checkpoints;
create trigger audit_checkpoints_append_only before update or delete on gov.audit_checkpoints
    for each row execute function gov.audit_refuse_change();

-- The role the console runs as. Roles belong to the cluster, so it may exist already (another database).
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'governance_app') then
        create role governance_app login;
    end if;
exception when duplicate_object or unique_violation then
    null;
end
$$;

do $$
begin
    execute format('grant connect on database %I to governance_app', current_database());
end
$$;
