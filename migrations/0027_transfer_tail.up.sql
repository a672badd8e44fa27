-- A cursor that never misses a committed transfer (issue 10 A7, docs/adr/0019-tail-cursor.md). Each transfer records
-- the id of the transaction that wrote it; lists are ordered by (created_xid, id) and show only rows below the
-- horizon: the oldest transaction of this database still in flight when the list's snapshot was taken. Every
-- transfer committed later has a transaction id at or above that horizon, so it sorts after every cursor handed
-- out before it became visible. Rows written before this migration share its transaction id (ordered by id).
ALTER TABLE transfers ADD COLUMN created_xid xid8 NOT NULL DEFAULT pg_current_xact_id();

-- The horizon of the statement's snapshot: the lowest transaction id still running in it, skipping transactions
-- known to belong to other databases of the cluster (they never write here, and must not hold the lists back);
-- without any, the snapshot's xmax. Conservative when unsure: a list then lags, it never skips.
CREATE FUNCTION tally_tail_horizon() RETURNS xid8 LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    (SELECT min(x) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
      WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a
        WHERE a.backend_xid = x::xid AND a.datname IS DISTINCT FROM current_database())),
    pg_snapshot_xmax(pg_current_snapshot()))
$$;

DROP INDEX transfers_debit_idx;
DROP INDEX transfers_credit_idx;
DROP INDEX transfers_owner_idx;
CREATE INDEX transfers_debit_idx ON transfers (debit_account_id, created_xid, id);
CREATE INDEX transfers_credit_idx ON transfers (credit_account_id, created_xid, id);
CREATE INDEX transfers_owner_idx ON transfers (owner_id, created_xid, id);
CREATE INDEX transfers_tail_idx ON transfers (created_xid, id);
