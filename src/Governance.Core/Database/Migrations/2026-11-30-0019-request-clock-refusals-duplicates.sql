-- The second part of the request workflow: the legal clock stopped while waiting for the person (with its
-- history), refusals by a listed reason, and requests closed as duplicates of another.
alter table gov.requests add column if not exists clock_stopped_on date;
alter table gov.requests add column if not exists stopped_days integer not null default 0 check (stopped_days >= 0);
alter table gov.requests add column if not exists denial_reason text;
alter table gov.requests add column if not exists duplicate_of uuid references gov.requests (id);

-- Each stop of the clock: why, from when, until when, by whom, and the due date before and after it.
create table if not exists gov.request_clock_stops (
    id           bigint generated always as identity primary key,
    request_id   uuid        not null references gov.requests (id),
    reason       text        not null,
    stopped_on   date        not null,
    stopped_by   text        not null,
    due_before   date        not null,
    restarted_on date,
    restarted_by text,
    due_after    date,
    check (restarted_on is null or restarted_on >= stopped_on)
);
create index if not exists request_clock_stops_request_idx on gov.request_clock_stops (request_id, id);
create unique index if not exists request_clock_stops_one_open on gov.request_clock_stops (request_id) where restarted_on is null;

-- Staff decided that two requests of the same person are separate (a duplicate is closed with duplicate_of instead).
create table if not exists gov.request_separate (
    request_id uuid        not null references gov.requests (id),
    other_id   uuid        not null references gov.requests (id),
    decided_at timestamptz not null,
    decided_by text        not null,
    primary key (request_id, other_id)
);

-- The letter that goes with a closing outcome is kept with the request like any correspondence, under its own kind.
alter table gov.request_attachments drop constraint if exists request_attachments_kind_check;
alter table gov.request_attachments add constraint request_attachments_kind_check
    check (kind in ('correspondence', 'identity-evidence', 'agent-permission', 'response-letter', 'other'));
