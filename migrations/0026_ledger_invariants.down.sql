ALTER TABLE entries ADD CONSTRAINT entries_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id);
ALTER TABLE entries DROP CONSTRAINT entries_account_currency_fkey;
ALTER TABLE accounts DROP CONSTRAINT accounts_id_currency_key;
CREATE INDEX entries_transfer_idx ON entries (transfer_id);
DROP INDEX entries_transfer_account_side_key;
DROP TRIGGER transfers_state_machine ON transfers;
DROP FUNCTION tally_transfer_transition();
ALTER TABLE transfers DROP CONSTRAINT transfers_decided_has_credit;
ALTER TABLE transfers DROP CONSTRAINT transfers_amount_positive;
