-- Web console sessions (docs/reference/console.md): only the SHA-256 of the cookie's token is stored; a session
-- is a confirmed user's or the administrator's (logged in with the admin API key), and ends at expires_at or
-- at logout (row deleted).
CREATE TABLE console_sessions (
  token_hash text PRIMARY KEY,
  user_id uuid REFERENCES users (id),
  admin boolean NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  CONSTRAINT console_sessions_one_principal CHECK ((user_id IS NULL) = admin),
  CONSTRAINT console_sessions_expiry_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at);
