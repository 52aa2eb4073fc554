-- Working on a request: who verified the person and how, who acts for the person, who is assigned, internal
-- notes, correspondence attachments (stored protected), and the notices the deadline job leaves for people.

-- Console staff as seen at sign-in (any sign-in mode): who can be assigned and where to send notices.
create table if not exists gov.staff (
    actor_id     text        primary key,
    display_name text        not null check (char_length(display_name) between 1 and 200),
    email        text        check (email is null or char_length(email) <= 320),
    roles        text[]      not null,
    last_seen_at timestamptz not null
);

alter table gov.requests add column if not exists assignee_id       text;
alter table gov.requests add column if not exists verified_by       text;
alter table gov.requests add column if not exists verified_at       timestamptz;
alter table gov.requests add column if not exists verification_note text check (verification_note is null or char_length(verification_note) <= 2000);
alter table gov.requests add column if not exists agent_name        text check (agent_name is null or char_length(agent_name) <= 200);
alter table gov.requests add column if not exists agent_evidence    text check (agent_evidence is null or char_length(agent_evidence) <= 2000);
alter table gov.requests add column if not exists staff_note        text check (staff_note is null or char_length(staff_note) <= 2000);
create index if not exists requests_assignee_idx on gov.requests (assignee_id) where assignee_id is not null;

create table if not exists gov.request_notes (
    id         bigint generated always as identity primary key,
    request_id uuid        not null references gov.requests (id),
    written_at timestamptz not null,
    author_id  text        not null,
    body       text        not null check (char_length(body) between 1 and 4000)
);
create index if not exists request_notes_request_idx on gov.request_notes (request_id, id);

-- Letters, e-mails and signed permissions: the content is encrypted by the console's data-protection keys
-- before it reaches the database; the hash is of the original, so that a copy can be checked.
create table if not exists gov.request_attachments (
    id           uuid        primary key,
    request_id   uuid        not null references gov.requests (id),
    uploaded_at  timestamptz not null,
    uploaded_by  text        not null,
    kind         text        not null check (kind in ('correspondence', 'identity-evidence', 'agent-permission', 'other')),
    file_name    text        not null check (char_length(file_name) between 1 and 200),
    content_type text        not null,
    size_bytes   bigint      not null check (size_bytes >= 0),
    sha256       bytea       not null,
    protected    bytea       not null
);
create index if not exists request_attachments_request_idx on gov.request_attachments (request_id, uploaded_at);

-- In-app notices (and whether they were also e-mailed). One notice per recipient, request, kind and due date,
-- so that the daily job can run twice without repeating itself.
create table if not exists gov.notices (
    id           bigint generated always as identity primary key,
    recipient_id text        not null,
    request_id   uuid        not null references gov.requests (id),
    kind         text        not null check (kind in ('due-soon', 'overdue')),
    due_on       date        not null,
    created_at   timestamptz not null,
    read_at      timestamptz,
    emailed_at   timestamptz,
    constraint notices_once unique (recipient_id, request_id, kind, due_on)
);
create index if not exists notices_unread_idx on gov.notices (recipient_id, created_at desc) where read_at is null;
