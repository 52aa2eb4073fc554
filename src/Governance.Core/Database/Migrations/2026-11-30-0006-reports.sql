-- Reports (PDF) as generated: their bytes, their SHA-256 and who generated them. Reports are evidence: never changed
-- or removed (the triggers refuse it, whoever asks); a new report is a new row.
create table if not exists gov.reports (
    id            uuid        primary key,
    kind          text        not null check (kind in ('requests', 'audit', 'ropa')),
    language      text        not null check (language in ('en', 'zh')),
    title         text        not null check (char_length(title) between 1 and 200),
    period_from   date,
    period_to     date,
    parameters    jsonb       not null default '{}'::jsonb,
    pages         integer     not null check (pages > 0),
    size_bytes    integer     not null check (size_bytes > 0),
    sha256        text        not null check (sha256 ~ '^[0-9a-f]{64}$'),
    content       bytea       not null,
    generated_at  timestamptz not null,
    generated_by  text        not null,
    check (period_to is null or period_from is null or period_to >= period_from)
);

create index if not exists reports_generated_idx on gov.reports (generated_at desc);

create or replace function gov.reports_refuse_change() returns trigger language plpgsql as $$
begin
    raise exception 'gov.reports is append-only: a report is never changed or removed' using errcode = '42501';
end $$;

drop trigger if exists reports_no_update_delete on gov.reports;
create trigger reports_no_update_delete before update or delete on gov.reports
    for each row execute function gov.reports_refuse_change();
drop trigger if exists reports_no_truncate on gov.reports;
create trigger reports_no_truncate before truncate on gov.reports
    for each statement execute function gov.reports_refuse_change();
