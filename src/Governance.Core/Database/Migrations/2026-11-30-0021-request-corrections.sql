-- Rectification (GDPR Art. 16; CCPA right to correct): the values the person asks to be corrected, encrypted with the
-- console's data-protection keys like attachments (the SHA-256 of the value kept to prove it unchanged). The field is
-- named as the data map names it (collection and column), or described in words when the map has no such field.
create table if not exists gov.request_corrections (
    id          uuid        primary key,
    request_id  uuid        not null references gov.requests (id),
    collection  text,
    field       text        not null check (char_length(field) between 1 and 200),
    protected   bytea       not null,
    sha256      bytea       not null,
    added_at    timestamptz not null,
    added_by    text        not null
);
create index if not exists request_corrections_request_idx on gov.request_corrections (request_id, added_at);
