-- Data-subject requests and the API clients that forward them. These are personal data of their own (who asked,
-- how to reach them): kept for the retention the regulations require, then purged by a rule of their own.
create sequence if not exists gov.request_number_seq;

create table if not exists gov.api_clients (
    id         bigint generated always as identity primary key,
    name       text        not null unique check (char_length(name) between 1 and 100),
    key_hash   bytea       not null unique,
    created_at timestamptz not null default now(),
    revoked_at timestamptz
);

create table if not exists gov.requests (
    id               uuid        primary key,
    reference        text        not null unique,
    regime           text        not null,
    type             text        not null check (type in ('access', 'portability', 'erasure', 'rectification', 'restriction', 'objection', 'opt-out', 'limit-sensitive')),
    state            text        not null,
    channel          text        not null check (channel in ('api', 'email', 'letter', 'phone', 'web-form')),
    subject_email    text,
    subject_phone    text,
    subject_user_id  text,
    authorised_agent boolean     not null default false,
    received_at      timestamptz not null,
    received_on      date        not null,
    due_on           date        not null,
    due_at           timestamptz not null,
    acknowledge_by   date,
    client_id        bigint      references gov.api_clients (id),
    idempotency_key  text,
    body_hash        bytea,
    created_at       timestamptz not null default now(),
    constraint requests_someone check (subject_email is not null or subject_phone is not null or subject_user_id is not null),
    constraint requests_idempotency unique (client_id, idempotency_key)
);

create index if not exists requests_due_idx on gov.requests (due_on) where state not in ('Completed', 'Denied', 'Withdrawn');
create index if not exists requests_received_idx on gov.requests (received_at desc);
