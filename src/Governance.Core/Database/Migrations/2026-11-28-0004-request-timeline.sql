-- What happened to each request, in order: transitions with actor and reason (the request's own timeline; the
-- audit log records the same transitions without the free-text reasons).
alter table gov.requests add column if not exists identity_verified boolean not null default false;
alter table gov.requests add column if not exists verification_method text;
alter table gov.requests add column if not exists extended_due_on date;
alter table gov.requests add column if not exists held_from text;
alter table gov.requests add column if not exists closed_reason text;
alter table gov.requests add column if not exists legal_basis text;

create table if not exists gov.request_events (
    id          bigint generated always as identity primary key,
    request_id  uuid        not null references gov.requests (id),
    occurred_at timestamptz not null,
    actor_id    text        not null,
    action      text        not null,
    from_state  text        not null,
    to_state    text        not null,
    reason      text        not null check (char_length(reason) between 1 and 2000),
    details     jsonb       not null default '{}'::jsonb
);
create index if not exists request_events_request_idx on gov.request_events (request_id, id);

-- The request list sorts by the effective due date and filters by state, regime and type.
create index if not exists requests_effective_due_idx on gov.requests ((coalesce(extended_due_on, due_on)), id);
create index if not exists requests_state_due_idx on gov.requests (state, (coalesce(extended_due_on, due_on)));
