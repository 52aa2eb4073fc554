-- Every version of every retention file: the one found in the folder (when it differs from the last one recorded)
-- and each one saved from the Retention page, with who, when and why. The files stay the source of truth; this is
-- their history as the console saw it, append-only for the console's role.
create table if not exists gov.retention_rule_versions (
    file        text        not null check (file ~ '^[a-z0-9][a-z0-9_-]*\.ya?ml$'),
    version     integer     not null check (version >= 1),
    sha256      text        not null check (sha256 ~ '^[0-9a-f]{64}$'),
    content     text        not null,
    source      text        not null check (source in ('files', 'console')),
    changed_by  text        not null,
    changed_at  timestamptz not null default now(),
    reason      text        not null,
    primary key (file, version)
);
