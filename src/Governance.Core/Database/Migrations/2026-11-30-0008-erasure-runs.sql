-- Erasure runs: one per request and chat store. A run reads every key set of its plan before anything changes
-- (kept in key_sets until the run ends), then changes rows step by step in committed batches of keys. Each batch's
-- keys are written here before it runs and its outcome after, so a run stopped at any moment (a crash, kill -9)
-- resumes where it stood and its counts add up. Nothing is removed: the rows are the record of what was done.
create table if not exists gov.erasure_runs (
    id            uuid        primary key,
    request_id    uuid        not null references gov.requests (id),
    store         text        not null,
    map           text        not null,
    identity_kind text        not null,
    state         text        not null check (state in ('running', 'done', 'failed')),
    found         boolean,
    key_sets      jsonb,
    next_step     integer     not null default 1,
    started_at    timestamptz not null,
    finished_at   timestamptz,
    verified      boolean,
    problem       text,
    replay_id     uuid
);

-- One run per request and store, and one more per replay of the ledger after a restore.
create unique index if not exists erasure_runs_one_per_store on gov.erasure_runs
    (request_id, store, coalesce(replay_id, '00000000-0000-0000-0000-000000000000'::uuid));

create table if not exists gov.erasure_steps (
    run_id        uuid        not null references gov.erasure_runs (id),
    step          integer     not null,
    collection    text        not null,
    action        text        not null,
    description   text        not null,
    planned       bigint,
    changed       bigint      not null default 0,
    held          bigint      not null default 0,
    files_removed bigint      not null default 0,
    files_missing bigint      not null default 0,
    done_at       timestamptz,
    primary key (run_id, step)
);

create table if not exists gov.erasure_batches (
    run_id  uuid        not null,
    step    integer     not null,
    batch   integer     not null,
    keys    jsonb       not null,
    changed integer,
    held    jsonb,
    done_at timestamptz,
    primary key (run_id, step, batch),
    foreign key (run_id, step) references gov.erasure_steps (run_id, step)
);

create table if not exists gov.erasure_files (
    run_id      uuid        not null,
    step        integer     not null,
    path        text        not null,
    region      text,
    outcome     text        check (outcome in ('removed', 'already-gone', 'held')),
    recorded_at timestamptz not null default now(),
    primary key (run_id, step, path),
    foreign key (run_id, step) references gov.erasure_steps (run_id, step)
);

-- The erasure ledger: for every person erased, a keyed hash of their key in the store (HMAC-SHA256 under a key
-- derived from DataMap:PseudonymKey, never the key or any identity), when and what was done. After a chat store is
-- restored from a backup, './gov erasure replay' finds the people of the entries made since the backup by hashing
-- the store's keys the same way, and erases them again. Append-only.
create table if not exists gov.erasure_ledger (
    id           bigint      generated always as identity primary key,
    request_id   uuid        not null references gov.requests (id),
    run_id       uuid        not null references gov.erasure_runs (id),
    store        text        not null,
    map          text        not null,
    subject_hash text        not null check (subject_hash ~ '^[0-9a-f]{64}$'),
    erased_at    timestamptz not null,
    steps        jsonb       not null,
    unique (run_id)
);

create index if not exists erasure_ledger_store_idx on gov.erasure_ledger (store, erased_at);

create or replace function gov.erasure_ledger_refuse_change() returns trigger language plpgsql as $$
begin
    raise exception 'gov.erasure_ledger is append-only' using errcode = '42501';
end $$;

drop trigger if exists erasure_ledger_no_update_delete on gov.erasure_ledger;
create trigger erasure_ledger_no_update_delete before update or delete on gov.erasure_ledger
    for each row execute function gov.erasure_ledger_refuse_change();
drop trigger if exists erasure_ledger_no_truncate on gov.erasure_ledger;
create trigger erasure_ledger_no_truncate before truncate on gov.erasure_ledger
    for each statement execute function gov.erasure_ledger_refuse_change();

-- Replays of the ledger on a restored store: who ran them, from when, and what they changed (their runs point here).
create table if not exists gov.erasure_replays (
    id          uuid        primary key,
    store       text        not null,
    since       timestamptz not null,
    started_at  timestamptz not null,
    started_by  text        not null,
    finished_at timestamptz,
    entries     integer,
    found       integer,
    changed     bigint
);

-- The recipients the erasure is communicated to (GDPR Art. 19): null until set, from the data map's declared
-- recipients of the collections the person's data was in, editable per request.
alter table gov.requests add column if not exists erasure_recipients text[];

-- Certificates of erasure are reports too (kept with their hash, never changed).
alter table gov.reports drop constraint if exists reports_kind_check;
alter table gov.reports add constraint reports_kind_check check (kind in ('requests', 'audit', 'ropa', 'erasure'));
