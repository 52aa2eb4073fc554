-- Server-side sign-in sessions: a cookie names its session, and a session ended here (sign-out, account disabled,
-- roles changed, revoked) stops the cookie and every open page of that sign-in within seconds.
create table if not exists gov.sign_in_sessions (
    id          uuid        primary key,
    actor_id    text        not null,
    started_at  timestamptz not null,
    expires_at  timestamptz not null,
    ended_at    timestamptz,
    end_reason  text,
    constraint sign_in_sessions_actor check (char_length(actor_id) between 1 and 200),
    constraint sign_in_sessions_reason check (
        (ended_at is null and end_reason is null)
        or (ended_at is not null and end_reason in ('sign-out', 'account-disabled', 'roles-changed', 'revoked')))
);

create index if not exists sign_in_sessions_actor_idx on gov.sign_in_sessions (actor_id) where ended_at is null;
