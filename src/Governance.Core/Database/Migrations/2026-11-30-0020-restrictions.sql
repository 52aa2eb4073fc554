-- Restriction of processing (GDPR Art. 18) and upheld objections (Art. 21) as flags on the person that the chat system
-- reads (GET /api/v1/restrictions?since=...). A restriction keeps the data: it places a legal hold on the accounts, which
-- erasure and retention already respect, and lifting it releases the hold. changed_at orders the feed.
create table if not exists gov.restrictions (
    id            uuid        primary key,
    request_id    uuid        not null references gov.requests (id),
    kind          text        not null check (kind in ('restriction', 'objection')),
    hold_id       uuid        references gov.legal_holds (id),
    applied_at    timestamptz not null,
    applied_by    text        not null,
    lifted_at     timestamptz,
    lifted_by     text,
    lift_reason   text        check (lift_reason is null or char_length(lift_reason) between 1 and 2000),
    person_told_on date,
    changed_at    timestamptz not null,
    constraint restrictions_lifted check ((lifted_at is null) = (lifted_by is null))
);
create unique index if not exists restrictions_one_per_request on gov.restrictions (request_id);
create index if not exists restrictions_changed_idx on gov.restrictions (changed_at, id);

-- The accounts a flag covers, store by store (as the store search found them, or the user id the request gave).
create table if not exists gov.restriction_accounts (
    restriction_id uuid not null references gov.restrictions (id),
    store          text,
    user_id        text not null check (char_length(user_id) between 1 and 200)
);
create unique index if not exists restriction_accounts_once on gov.restriction_accounts (restriction_id, user_id, coalesce(store, ''));
