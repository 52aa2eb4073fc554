-- Legal holds: a matter freezes the data of custodians (chat users), conversations or a whole tenant, optionally
-- only data from a time window. Erasure and retention ask "which of these rows are held?" before they act.
create sequence if not exists gov.legal_hold_number_seq;

create table if not exists gov.legal_holds (
    id           uuid        primary key,
    reference    text        not null unique,
    matter       text        not null check (char_length(matter) between 1 and 200),
    window_from  timestamptz,
    window_to    timestamptz,
    review_on    date,
    created_at   timestamptz not null,
    created_by   text        not null,
    released_at  timestamptz,
    released_by  text,
    release_reason text      check (release_reason is null or char_length(release_reason) <= 2000),
    constraint legal_holds_window check (window_from is null or window_to is null or window_from < window_to)
);

-- What a hold covers: kind user | conversation | tenant, the id as the chat store has it, and the store (null: every store).
create table if not exists gov.legal_hold_scope (
    hold_id uuid not null references gov.legal_holds (id),
    kind    text not null check (kind in ('user', 'conversation', 'tenant')),
    store   text,
    value   text not null check (char_length(value) between 1 and 200),
    added_at timestamptz not null
);
create unique index if not exists legal_hold_scope_once on gov.legal_hold_scope (hold_id, kind, coalesce(store, ''), value);
create index if not exists legal_hold_scope_lookup on gov.legal_hold_scope (kind, value);
