-- Invariants the domain checks, backed by the database as well (issue 10 A11): whatever writes the rows, an illegal
-- state, transition or entry is refused.

-- amount > 0 unless the transfer was refused; a decided transfer knows both currencies and credits something.
ALTER TABLE transfers ADD CONSTRAINT transfers_amount_positive CHECK (status = 'failed' OR amount > 0);
ALTER TABLE transfers ADD CONSTRAINT transfers_decided_has_credit CHECK (
  status IN ('initiated', 'failed')
  OR (currency IS NOT NULL AND credit_currency IS NOT NULL AND credit_amount IS NOT NULL AND credit_amount > 0)
);

-- The transfer state machine (packages/domain/src/Transfer.ts): initiated -> pending | posted | failed,
-- pending -> posted | voided | expired; the terminal states never change, and a transfer is never deleted.
-- While undecided or pending, what was asked (parties, amount, currencies, rate, expiry) stays as it was; posting
-- may restate the credit (a partial post states the payee's posted credit).
CREATE FUNCTION tally_transfer_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'transfer % may not be deleted', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.status IN ('posted', 'voided', 'expired', 'failed') THEN
    RAISE EXCEPTION 'transfer % is %: it may not change (to %)', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation';
  END IF;
  IF NOT ((OLD.status = 'initiated' AND NEW.status IN ('initiated', 'pending', 'posted', 'failed'))
       OR (OLD.status = 'pending' AND NEW.status IN ('posted', 'voided', 'expired'))) THEN
    RAISE EXCEPTION 'transfer % may not go from % to %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.status = 'pending' AND (
       (NEW.id, NEW.debit_account_id, NEW.credit_account_id, NEW.amount, NEW.currency, NEW.credit_currency,
        NEW.pending, NEW.timeout_seconds, NEW.expires_at, NEW.fx_rate, NEW.fx_source, NEW.fx_as_of,
        NEW.fx_debit_liquidity_id, NEW.fx_credit_liquidity_id, NEW.batch_id, NEW.owner_id, NEW.created_at)
       IS DISTINCT FROM
       (OLD.id, OLD.debit_account_id, OLD.credit_account_id, OLD.amount, OLD.currency, OLD.credit_currency,
        OLD.pending, OLD.timeout_seconds, OLD.expires_at, OLD.fx_rate, OLD.fx_source, OLD.fx_as_of,
        OLD.fx_debit_liquidity_id, OLD.fx_credit_liquidity_id, OLD.batch_id, OLD.owner_id, OLD.created_at)
       OR (NEW.credit_amount IS DISTINCT FROM OLD.credit_amount AND NEW.status <> 'posted')
       OR NEW.credit_amount > OLD.credit_amount) THEN
    RAISE EXCEPTION 'hold % may only settle: what it reserves does not change', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER transfers_state_machine BEFORE UPDATE OR DELETE ON transfers
  FOR EACH ROW EXECUTE FUNCTION tally_transfer_transition();

-- One debit and one credit entry per transfer and account (an FX transfer has two legs on four accounts).
CREATE UNIQUE INDEX entries_transfer_account_side_key ON entries (transfer_id, account_id, side);
DROP INDEX entries_transfer_idx;

-- An entry is in its account's currency: the foreign key names both, so an account's currency is fixed as well.
ALTER TABLE accounts ADD CONSTRAINT accounts_id_currency_key UNIQUE (id, currency);
ALTER TABLE entries ADD CONSTRAINT entries_account_currency_fkey FOREIGN KEY (account_id, currency)
  REFERENCES accounts (id, currency);
ALTER TABLE entries DROP CONSTRAINT entries_account_id_fkey;
