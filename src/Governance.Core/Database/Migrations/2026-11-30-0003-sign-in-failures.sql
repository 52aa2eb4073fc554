-- When the last failed sign-in happened: failures count together only within the lockout window, so that one
-- wrong password now and then never adds up to a lock.
alter table gov.local_accounts add column if not exists last_failed_at timestamptz;
