-- Every transfer is stored, failed ones too, so a client can always read what happened to its request.
-- Account ids carry no foreign key: a failed transfer may name an account that does not exist.
CREATE TABLE transfers (
  id uuid PRIMARY KEY,
  debit_account_id uuid NOT NULL,
  credit_account_id uuid NOT NULL,
  amount bigint NOT NULL CHECK (amount >= 0),
  currency char(3),
  credit_amount bigint CHECK (credit_amount >= 0),
  credit_currency char(3),
  pending boolean NOT NULL,
  status text NOT NULL CHECK (status IN ('initiated', 'pending', 'posted', 'voided', 'expired', 'failed')),
  failure_code text,
  posted_amount bigint,
  timeout_seconds integer,
  expires_at timestamptz,
  fx_rate numeric CHECK (fx_rate > 0),
  fx_source text,
  fx_as_of timestamptz,
  fx_debit_liquidity_id uuid REFERENCES accounts (id),
  fx_credit_liquidity_id uuid REFERENCES accounts (id),
  batch_id uuid,
  owner_id uuid REFERENCES owners (id),
  metadata jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT transfers_failure_code_iff_failed CHECK ((status = 'failed') = (failure_code IS NOT NULL)),
  CONSTRAINT transfers_pending_only_for_holds CHECK (status NOT IN ('pending', 'voided', 'expired') OR pending),
  CONSTRAINT transfers_posted_amount CHECK (
    (status = 'posted') = (posted_amount IS NOT NULL) AND (posted_amount IS NULL OR (posted_amount > 0 AND posted_amount <= amount))
  ),
  -- a refused request is stored as asked (e.g. with the non-positive timeout it was refused for)
  CONSTRAINT transfers_timeout_positive CHECK (status = 'failed' OR timeout_seconds IS NULL OR timeout_seconds > 0),
  CONSTRAINT transfers_distinct_accounts CHECK (status = 'failed' OR debit_account_id <> credit_account_id),
  CONSTRAINT transfers_fx_all_or_nothing CHECK (
    (fx_rate IS NULL) = (fx_source IS NULL) AND (fx_rate IS NULL) = (fx_as_of IS NULL)
  )
);
CREATE INDEX transfers_debit_idx ON transfers (debit_account_id, created_at, id);
CREATE INDEX transfers_credit_idx ON transfers (credit_account_id, created_at, id);
CREATE INDEX transfers_owner_idx ON transfers (owner_id, created_at, id);
CREATE INDEX transfers_batch_idx ON transfers (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX transfers_pending_expiry_idx ON transfers (expires_at) WHERE status = 'pending';
CREATE INDEX transfers_initiated_idx ON transfers (created_at) WHERE status = 'initiated';

-- The journal. Append-only: the database itself refuses UPDATE, DELETE and TRUNCATE.
CREATE TABLE entries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transfer_id uuid NOT NULL REFERENCES transfers (id),
  account_id uuid NOT NULL REFERENCES accounts (id),
  currency char(3) NOT NULL,
  side text NOT NULL CHECK (side IN ('debit', 'credit')),
  amount bigint NOT NULL CHECK (amount > 0),
  posted_after bigint NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX entries_account_idx ON entries (account_id, id);
CREATE INDEX entries_transfer_idx ON entries (transfer_id);

CREATE FUNCTION tally_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries FOR EACH ROW EXECUTE FUNCTION tally_refuse_change();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries FOR EACH STATEMENT EXECUTE FUNCTION tally_refuse_change();

-- Cached FX rates: refreshed by the FX adapter (bundled snapshot or HTTP provider).
CREATE TABLE fx_rates (
  base char(3) NOT NULL,
  quote char(3) NOT NULL,
  rate numeric NOT NULL CHECK (rate > 0),
  source text NOT NULL,
  as_of timestamptz NOT NULL,
  fetched_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (base, quote),
  CHECK (base <> quote)
);

-- Idempotency-Key records: the first response to (scope, operation, key), kept at least 24 h. A row is
-- claimed 'in_flight' before the request runs and completed with the response it produced.
CREATE TABLE idempotency_keys (
  scope text NOT NULL,
  operation text NOT NULL,
  key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  request_hash text NOT NULL,
  state text NOT NULL CHECK (state IN ('in_flight', 'done')),
  response_status integer,
  response_body text,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  PRIMARY KEY (scope, operation, key),
  CHECK ((state = 'done') = (response_status IS NOT NULL))
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
