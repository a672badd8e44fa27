-- Fenced idempotency claims (issue 10 A3, docs/adr/0027-idempotency-claims.md): each claim gets a token; only
-- its holder renews, completes or releases it. `derivation` is how ids derived from the key are made for this
-- record (NULL: the scheme before 0029, kept for records claimed by an older server).
ALTER TABLE idempotency_keys ADD COLUMN claim_token uuid;
ALTER TABLE idempotency_keys ADD COLUMN derivation smallint CHECK (derivation IN (2));

-- Rate limit buckets shared by every instance (issue 10 A5, docs/adr/0028-rate-limits.md): effect's token bucket
-- (RateLimiter's store contract), one row per key, taken under the row lock with the database's clock.
CREATE UNLOGGED TABLE rate_limit_buckets (
  key text PRIMARY KEY,
  tokens double precision NOT NULL,
  last_refill_ms double precision NOT NULL,
  touched_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION tally_token_bucket(
  p_key text, p_tokens integer, p_limit integer, p_refill_ms double precision, p_overflow boolean,
  OUT remaining double precision, OUT elapsed_ms double precision
) LANGUAGE plpgsql AS $$
DECLARE
  now_ms double precision := extract(epoch FROM clock_timestamp()) * 1000;
  b_tokens double precision;
  b_last double precision;
  refill double precision;
BEGIN
  INSERT INTO rate_limit_buckets (key, tokens, last_refill_ms) VALUES (p_key, p_limit, now_ms)
    ON CONFLICT (key) DO NOTHING;
  SELECT tokens, last_refill_ms INTO b_tokens, b_last FROM rate_limit_buckets WHERE key = p_key FOR UPDATE;
  refill := floor((now_ms - b_last) / p_refill_ms);
  IF refill > 0 THEN
    b_tokens := least(p_limit, b_tokens + refill);
    b_last := b_last + refill * p_refill_ms;
  END IF;
  IF b_tokens >= p_limit THEN
    b_last := now_ms;
  END IF;
  remaining := b_tokens - p_tokens;
  IF p_overflow OR remaining >= 0 THEN
    b_tokens := remaining;
  END IF;
  UPDATE rate_limit_buckets SET tokens = b_tokens, last_refill_ms = b_last, touched_at = now() WHERE key = p_key;
  elapsed_ms := greatest(0, now_ms - b_last);
END
$$;
