-- Access packages: one per request and chat store, written in the store's region's folder, encrypted with a key of
-- its own (kept here protected by the console's data-protection keys; removed with the file when it expires).
create table if not exists gov.exports (
    id            uuid        primary key,
    request_id    uuid        not null references gov.requests (id),
    store         text        not null,
    region        text        not null,
    state         text        not null check (state in ('writing', 'ready', 'failed', 'expired')),
    file_name     text        not null check (file_name ~ '^[0-9a-f]{32}\.gpkg$'),
    key_protected bytea,
    size_bytes    bigint,
    sha256        text        check (sha256 ~ '^[0-9a-f]{64}$'),
    rows          bigint,
    files         integer,
    created_at    timestamptz not null,
    ready_at      timestamptz,
    expires_at    timestamptz,
    deleted_at    timestamptz,
    problem       text
);

create index if not exists exports_request_idx on gov.exports (request_id);
create index if not exists exports_expiry_idx on gov.exports (expires_at) where state = 'ready';
