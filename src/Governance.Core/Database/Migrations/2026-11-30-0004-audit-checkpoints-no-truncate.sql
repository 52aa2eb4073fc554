-- Checkpoints, like the log and the chain, cannot be emptied with TRUNCATE (which skips row triggers).
drop trigger if exists audit_checkpoints_no_truncate on gov.audit_checkpoints;
create trigger audit_checkpoints_no_truncate before truncate on gov.audit_checkpoints
    for each statement execute function gov.audit_refuse_change();
