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
    unique (request_id, store)
);

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
    outcome     text        check (outcome in ('removed', 'already-gone')),
    recorded_at timestamptz not null default now(),
    primary key (run_id, step, path),
    foreign key (run_id, step) references gov.erasure_steps (run_id, step)
);
