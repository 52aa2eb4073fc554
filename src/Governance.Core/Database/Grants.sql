-- Privileges of the role the console runs as (governance_app), applied after every migration. This file is the
-- whole list: a table missing here is out of the application's reach. Idempotent.
grant usage on schema gov to governance_app;

grant select on gov.schema_versions to governance_app;
grant select, insert, update on gov.local_accounts to governance_app;
grant select, insert, update on gov.alerts to governance_app;

-- The audit log: the application appends and reads, never changes or removes (triggers refuse that too).
revoke update, delete, truncate on gov.audit_log, gov.audit_chain, gov.audit_checkpoints from governance_app;
grant select, insert on gov.audit_log, gov.audit_chain, gov.audit_checkpoints to governance_app;

grant usage, select on all sequences in schema gov to governance_app;

grant select, insert, update on gov.requests to governance_app;
grant select, insert, update on gov.api_clients to governance_app;
grant select, insert on gov.request_events to governance_app;
