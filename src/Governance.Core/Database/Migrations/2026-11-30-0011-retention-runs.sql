-- Retention runs: one per rule and chat store each time a rule fires (or is run by hand). A rule that needs approval
-- waits, with the preview it was approved on, until a privacy officer decides. A run deletes in committed batches;
-- each batch is recorded before its store commits (its root keys and the files of its rows), so that a run killed at
-- any point resumes without losing a file or removing one whose row stayed.
create table if not exists gov.retention_runs (
    id              uuid        primary key,
    rule            text        not null,
    store           text        not null,
    region          text        not null,
    collection      text        not null,
    action          text        not null check (action in ('delete', 'anonymise', 'archive-then-delete')),
    state           text        not null check (state in ('awaiting-approval', 'approved', 'running', 'done', 'failed', 'rejected')),
    cutoff          timestamptz not null,
    created_at      timestamptz not null default now(),
    created_by      text        not null,
    preview         jsonb,
    decided_by      text,
    decided_at      timestamptz,
    decision_reason text,
    started_at      timestamptz,
    finished_at     timestamptz,
    last_key        text,
    batches         integer     not null default 0,
    rows_removed    bigint      not null default 0,
    rows_held       bigint      not null default 0,
    rows_kept_for_dependants bigint not null default 0,
    files_removed   bigint      not null default 0,
    files_missing   bigint      not null default 0,
    duration_ms     bigint,
    paused_ms       bigint      not null default 0,
    problem         text
);

create index if not exists retention_runs_rule_idx on gov.retention_runs (rule, created_at desc);
create index if not exists retention_runs_open_idx on gov.retention_runs (state) where state in ('awaiting-approval', 'approved', 'running');

-- What each run changed, per collection (the rule's own rows and their dependants; links unlinked).
create table if not exists gov.retention_run_collections (
    run_id     uuid   not null references gov.retention_runs (id),
    collection text   not null,
    action     text   not null check (action in ('delete', 'unlink')),
    rows       bigint not null default 0,
    primary key (run_id, collection, action)
);

-- A batch as recorded before its store commits: its root keys, to tell on resume whether it committed.
create table if not exists gov.retention_batches (
    run_id    uuid    not null references gov.retention_runs (id),
    seq       integer not null,
    root_keys jsonb   not null,
    counts    jsonb   not null default '[]'::jsonb,  -- what the batch changed per collection, known before its commit
    kept      integer not null default 0,            -- roots kept for a held dependant
    state     text    not null check (state in ('pending', 'committed', 'abandoned')),
    primary key (run_id, seq)
);

-- The files of a batch's rows: removed once the batch has committed.
create table if not exists gov.retention_files (
    run_id  uuid    not null references gov.retention_runs (id),
    seq     integer not null,
    path    text    not null,
    region  text,
    outcome text    not null check (outcome in ('pending', 'removed', 'already-gone', 'abandoned')),
    primary key (run_id, seq, path)
);
