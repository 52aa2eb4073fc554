-- Archive-then-delete runs: a random key per run (kept only protected by the console's data-protection keys), and
-- one encrypted archive file per batch, recorded with its SHA-256 before the batch's store transaction commits.
alter table gov.retention_runs add column if not exists archive_key text;

create table if not exists gov.retention_archives (
    run_id     uuid        not null references gov.retention_runs (id),
    seq        integer     not null,
    store      text        not null,
    region     text        not null,
    file       text        not null,
    sha256     text        not null check (sha256 ~ '^[0-9a-f]{64}$'),
    rows       bigint      not null,
    bytes      bigint      not null,
    state      text        not null check (state in ('written', 'abandoned')),
    created_at timestamptz not null default now(),
    primary key (run_id, seq)
);
