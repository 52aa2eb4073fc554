-- Resolving an alert states why (separation of duties: resolved by a privacy officer or an admin, never by the
-- person the alert is about).
alter table gov.alerts add column if not exists resolution_reason text
    check (resolution_reason is null or char_length(resolution_reason) between 1 and 500);
