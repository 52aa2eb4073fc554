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

-- A reasonable fee asked of the person for a manifestly unfounded or excessive request (GDPR Art. 12(5)(a), Art. 15(3);
-- Cal. Civ. Code § 1798.145(h)(3)), where the regime allows fees: amount, currency and the reasons, recorded once.
alter table gov.requests add column if not exists fee_amount numeric(12, 2) check (fee_amount is null or fee_amount > 0);
alter table gov.requests add column if not exists fee_currency text check (fee_currency is null or fee_currency ~ '^[A-Z]{3}$');
alter table gov.requests add column if not exists fee_reason text check (fee_reason is null or char_length(fee_reason) between 1 and 2000);
alter table gov.requests add column if not exists fee_asked_at timestamptz;
