-- Retention runs that anonymise: what they changed is counted per collection as 'anonymise'.
alter table gov.retention_run_collections drop constraint if exists retention_run_collections_action_check;
alter table gov.retention_run_collections add constraint retention_run_collections_action_check check (action in ('delete', 'unlink', 'anonymise'));
