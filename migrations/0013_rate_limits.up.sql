-- Counters of effect's RateLimiter (fixed windows) shared by every instance: signup and login throttling
-- (packages/adapters/src/postgres/PgRateLimiterStore.ts). A row is one key's window; expired rows are pruned.
CREATE TABLE rate_limits (
  key        text PRIMARY KEY,
  count      integer NOT NULL CHECK (count >= 0),
  expires_at timestamptz NOT NULL,
  exceeded   boolean NOT NULL DEFAULT false
);
CREATE INDEX rate_limits_expires_at ON rate_limits (expires_at);
