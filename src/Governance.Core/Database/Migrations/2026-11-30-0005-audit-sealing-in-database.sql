-- The application role can no longer write the chain or the checkpoints itself, nor choose an entry's
-- transaction id: it appends entries, and the database seals them and records checkpoints through two functions
-- that run as this schema's owner and compute every hash from the stored rows (docs/audit.md, "Threat model").

-- One field of the canonical form: '~;' for a null, else '<bytes>:<value>;'. These two helpers have no SET clause
-- on purpose: PostgreSQL inlines plain SQL functions into the calling query (a SET clause prevents it), and they
-- are parsed there under the caller's search path, pg_catalog first in gov.audit_seal.
create or replace function gov.audit_field(v text) returns text
language sql immutable parallel safe as $$
    select coalesce(octet_length(v) || ':' || v || ';', '~;')
$$;

-- The canonical form of an entry after its position and previous hash (docs/audit.md): computed set-based for a
-- batch, so that the sealing loop only adds the two chained fields and hashes.
create or replace function gov.audit_entry_tail(e gov.audit_log) returns text
language sql stable parallel safe as $$
    select gov.audit_field(e.id::text)
        || gov.audit_field(to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
        || gov.audit_field(e.actor_type) || gov.audit_field(e.actor_id) || gov.audit_field(e.actor_roles)
        || gov.audit_field(e.action) || gov.audit_field(e.target_type) || gov.audit_field(e.target_id)
        || gov.audit_field(e.request_id) || gov.audit_field(e.outcome) || gov.audit_field(e.client_address)
        || gov.audit_field(e.details::text)
$$;

-- Seals up to max_entries finished entries in (txid, id) order, one sealer at a time (the advisory lock the
-- console's sealer always took); returns how many. Runs as the owner: the caller supplies no hash.
create or replace function gov.audit_seal(max_entries integer) returns integer
language plpgsql security definer set search_path = pg_catalog, gov as $$
declare
    head record;
    has_head boolean;
    at_seq bigint;
    previous bytea;
    entry record;
    h bytea;
    sealed integer := 0;
    seqs bigint[] := '{}';
    ids bigint[] := '{}';
    txids xid8[] := '{}';
    prevs bytea[] := '{}';
    hashes bytea[] := '{}';
begin
    if max_entries is null or max_entries < 1 or max_entries > 100000 then
        raise exception 'audit_seal: max_entries must be between 1 and 100000';
    end if;
    if not pg_try_advisory_xact_lock(7453305845602149492) then
        return 0;
    end if;
    select c.seq, c.hash, c.entry_txid, c.entry_id into head from gov.audit_chain c order by c.seq desc limit 1;
    has_head := found;
    if has_head and head.entry_txid is null then
        raise exception 'The audit chain''s head (position %) has no transaction id: its log entry was deleted before it could be recorded; sealing cannot go on. Run ''./gov audit verify''.', head.seq;
    end if;
    at_seq := case when has_head then head.seq else 0 end;
    previous := case when has_head then head.hash else '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea end;
    for entry in
        select e.id, e.txid, gov.audit_entry_tail(e) as tail from gov.audit_log e
        where e.txid < pg_snapshot_xmin(pg_current_snapshot())
          and (not has_head or (e.txid, e.id) > (head.entry_txid, head.entry_id))
        order by e.txid, e.id
        limit max_entries
    loop
        at_seq := at_seq + 1;
        h := sha256(convert_to('gov-audit-v1;' || length(at_seq::text) || ':' || at_seq || ';64:' || encode(previous, 'hex') || ';' || entry.tail, 'UTF8'));
        seqs := seqs || at_seq;
        ids := ids || entry.id;
        txids := txids || entry.txid;
        prevs := prevs || previous;
        hashes := hashes || h;
        previous := h;
        sealed := sealed + 1;
    end loop;
    -- One insert for the batch.
    insert into gov.audit_chain (seq, entry_id, entry_txid, prev_hash, hash)
    select * from unnest(seqs, ids, txids, prevs, hashes);
    return sealed;
end
$$;

-- Records the chain's hash at a verified position as a checkpoint (once per position); the caller names the
-- position only, never the hash. A position past the head records nothing.
create or replace function gov.audit_record_checkpoint(at_seq bigint) returns timestamptz
language plpgsql security definer set search_path = pg_catalog, gov as $$
declare
    recorded timestamptz;
begin
    insert into gov.audit_checkpoints (seq, hash)
    select c.seq, c.hash from gov.audit_chain c
    where c.seq = at_seq and not exists (select 1 from gov.audit_checkpoints k where k.seq = at_seq)
    returning verified_at into recorded;
    return recorded;
end
$$;

-- An entry's transaction id is always the transaction that wrote it: the console's role may name every column
-- but that one (Grants.sql), so the default fills it in.
drop trigger if exists audit_log_force_txid on gov.audit_log;
drop function if exists gov.audit_force_txid();

revoke all on function gov.audit_seal(integer) from public;
revoke all on function gov.audit_record_checkpoint(bigint) from public;
