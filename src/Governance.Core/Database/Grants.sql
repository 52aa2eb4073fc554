-- Privileges of the role the console runs as (governance_app), applied after every migration. This file is the
-- whole list: a table missing here is out of the application's reach. Idempotent.
grant usage on schema gov to governance_app;

grant select on gov.schema_versions to governance_app;
grant select, insert, update on gov.local_accounts to governance_app;
grant select, insert, update on gov.sign_in_sessions to governance_app;
grant select, insert, update on gov.alerts to governance_app;

-- The audit log: the application appends and reads, never changes or removes (triggers refuse that too). It
-- cannot write the chain or the checkpoints: the database seals and records them through two functions that
-- compute every hash themselves. The entry's time (occurred_at) and transaction are the server's: neither is in
-- the columns it may insert.
revoke update, delete, truncate on gov.audit_log, gov.audit_chain, gov.audit_checkpoints from governance_app;
revoke insert on gov.audit_chain, gov.audit_checkpoints from governance_app;
revoke insert on gov.audit_log from governance_app;
grant select on gov.audit_log to governance_app;
grant insert (actor_type, actor_id, actor_roles, action, target_type, target_id, request_id, outcome, client_address, details)
    on gov.audit_log to governance_app;
grant select on gov.audit_chain, gov.audit_checkpoints to governance_app;
grant execute on function gov.audit_seal(integer), gov.audit_record_checkpoint(bigint) to governance_app;

grant usage, select on all sequences in schema gov to governance_app;

grant select, insert, update on gov.requests to governance_app;
grant select, insert, update on gov.api_clients to governance_app;
grant select, insert on gov.request_events to governance_app;
grant select, insert, update on gov.staff to governance_app;
grant select, insert on gov.request_notes to governance_app;
grant select, insert on gov.request_attachments to governance_app;
grant select, insert, update on gov.request_searches to governance_app;
grant select on gov.request_search_accounts to governance_app;
grant select, insert, update on gov.notices to governance_app;
-- Stops of the legal clock are recorded and closed (restarted), never removed; "separate" decisions are recorded.
grant select, insert, update on gov.request_clock_stops to governance_app;
grant select, insert on gov.request_separate to governance_app;
-- Restrictions and upheld objections: applied, lifted (updated), never removed.
grant select, insert, update on gov.restrictions to governance_app;
grant select, insert on gov.restriction_accounts to governance_app;
grant select, insert on gov.request_corrections to governance_app;

-- Holds are released, never deleted: the history of what was held stays.
grant select, insert, update on gov.legal_holds to governance_app;
grant select, insert on gov.legal_hold_scope to governance_app;

-- Reports are added and read, never changed or removed.
grant select, insert on gov.reports to governance_app;

-- Erasure runs, their steps, batches and files: written as the run goes, never removed.
grant select, insert, update on gov.erasure_runs, gov.erasure_steps, gov.erasure_batches, gov.erasure_files, gov.erasure_replays to governance_app;
-- The ledger is added to and read, never changed (the triggers refuse it, whoever asks).
grant select, insert on gov.erasure_ledger to governance_app;

-- Access packages: written, made ready, expired; never removed (the row records that the file was deleted).
grant select, insert, update on gov.exports to governance_app;

-- Retention runs, what they changed, their batches and files: written as the run goes, never removed.
grant select, insert, update on gov.retention_runs, gov.retention_run_collections, gov.retention_batches, gov.retention_files to governance_app;
-- Archives of archive-then-delete runs: recorded, set aside when their batch did not commit, never removed.
grant select, insert, update on gov.retention_archives to governance_app;
-- Versions of the retention files: recorded, never changed.
grant select, insert on gov.retention_rule_versions to governance_app;
-- Retention of the console's own records (map: console): notes, attachments, notices and ended sign-in sessions past
-- their age are deleted by the retention runs, which are audited.
grant delete on gov.request_notes, gov.request_attachments, gov.request_searches, gov.request_corrections, gov.notices, gov.sign_in_sessions to governance_app;
