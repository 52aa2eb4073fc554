-- The language each member of staff reads the console in (the last one they chose, or their browser's at their first
-- sign-in): notice e-mails are written in it.
alter table gov.staff add column if not exists language text check (language is null or language in ('en', 'zh-CN'));
