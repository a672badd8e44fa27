DROP INDEX transfers_tail_idx;
DROP INDEX transfers_owner_idx;
DROP INDEX transfers_credit_idx;
DROP INDEX transfers_debit_idx;
CREATE INDEX transfers_debit_idx ON transfers (debit_account_id, created_at, id);
CREATE INDEX transfers_credit_idx ON transfers (credit_account_id, created_at, id);
CREATE INDEX transfers_owner_idx ON transfers (owner_id, created_at, id);
DROP FUNCTION tally_tail_horizon();
ALTER TABLE transfers DROP COLUMN created_xid;
