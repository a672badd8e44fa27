-- API keys: stored as SHA-256 of the whole (high-entropy, random) key; the key itself is shown once.
CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES owners (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  prefix text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX api_keys_owner_idx ON api_keys (owner_id, created_at, id);
