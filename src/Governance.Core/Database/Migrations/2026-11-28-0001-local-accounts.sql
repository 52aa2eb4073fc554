-- Local sign-in accounts (Authentication:Mode = Local). Passwords are stored as ASP.NET Core Identity hashes.
create schema if not exists gov;

create table if not exists gov.local_accounts (
    id              bigint generated always as identity primary key,
    user_name       text        not null,
    password_hash   text        not null,
    roles           text[]      not null,
    failed_attempts integer     not null default 0,
    locked_until    timestamptz,
    created_at      timestamptz not null default now(),
    last_sign_in_at timestamptz,
    disabled_at     timestamptz,
    constraint local_accounts_user_name_length check (char_length(user_name) between 1 and 64),
    constraint local_accounts_roles_known check (
        cardinality(roles) > 0 and roles <@ array['PrivacyOfficer', 'Legal', 'Auditor', 'Admin']::text[])
);

create unique index if not exists local_accounts_user_name_key on gov.local_accounts (lower(user_name));
