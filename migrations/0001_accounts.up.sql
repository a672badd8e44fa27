-- Owners: whoever an account or API key belongs to (a user, a service, or the system itself).
CREATE TABLE owners (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('system', 'service', 'user')),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Balances are a cache of the entries (posted = credits - debits) and must always equal them.
CREATE TABLE accounts (
  id uuid PRIMARY KEY,
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  owner_id uuid REFERENCES owners (id),
  allow_negative boolean NOT NULL DEFAULT false,
  posted bigint NOT NULL DEFAULT 0,
  pending_debits bigint NOT NULL DEFAULT 0 CHECK (pending_debits >= 0),
  pending_credits bigint NOT NULL DEFAULT 0 CHECK (pending_credits >= 0),
  version bigint NOT NULL DEFAULT 0 CHECK (version >= 0),
  metadata jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- mirrors the domain rule: only system accounts may go below zero
  CONSTRAINT accounts_available_not_negative CHECK (allow_negative OR posted - pending_debits >= 0)
);
CREATE INDEX accounts_owner_idx ON accounts (owner_id, created_at, id);

-- Well-known system accounts (world/cash per currency, FX liquidity per currency), set up by seeds.
CREATE TABLE system_accounts (
  kind text NOT NULL CHECK (kind IN ('world', 'fx_liquidity', 'fees')),
  currency char(3) NOT NULL,
  account_id uuid NOT NULL UNIQUE REFERENCES accounts (id),
  PRIMARY KEY (kind, currency)
);

-- Seed steps applied so far; later starts run only the pending ones.
CREATE TABLE tally_seeds (
  name text PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);
