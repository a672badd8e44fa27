-- Users sign up with email + password and confirm with a mailed token. A user is an owner (same id): its
-- wallet account, API keys and transfers belong to that owner.
CREATE TABLE users (
  id uuid PRIMARY KEY REFERENCES owners (id),
  email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND email = lower(email)),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  password_hash text NOT NULL,
  wallet_account_id uuid REFERENCES accounts (id),
  created_at timestamptz NOT NULL,
  confirmed_at timestamptz,
  CONSTRAINT users_email_unique UNIQUE (email),
  CONSTRAINT users_wallet_iff_confirmed CHECK ((confirmed_at IS NULL) = (wallet_account_id IS NULL))
);
CREATE INDEX users_created_idx ON users (created_at, id);

-- Confirmation tokens: SHA-256 of the token only; single use (used_at), expiring (expires_at).
CREATE TABLE user_tokens (
  token_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  purpose text NOT NULL CHECK (purpose IN ('confirm')),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL
);
CREATE INDEX user_tokens_user_idx ON user_tokens (user_id);

-- The confirmation mail is the `mail` destination of user.signed_up.
INSERT INTO subscriptions (id, destination, webhook_id, event_name)
  VALUES ('00000000-0000-7000-8000-00000000a001', 'mail', NULL, 'user.signed_up');
