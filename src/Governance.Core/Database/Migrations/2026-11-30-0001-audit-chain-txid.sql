-- The chain keeps the transaction id of each entry it seals, so that the sealer reads its head from the chain
-- alone: a log row deleted behind its back can no longer make it recompute a position that exists (verification
-- reports the deletion; sealing goes on). Positions sealed before this column existed are filled in once, from the
-- log, with the append-only trigger off for this statement only (the migration runs as the owner, in one
-- transaction: nothing else sees the trigger off).
alter table gov.audit_chain add column if not exists entry_txid xid8;

alter table gov.audit_chain disable trigger audit_chain_append_only;
update gov.audit_chain c set entry_txid = e.txid from gov.audit_log e where e.id = c.entry_id and c.entry_txid is null;
alter table gov.audit_chain enable trigger audit_chain_append_only;
