-- Leased rate-limit tokens (issue 11, docs/adr/0028-rate-limits.md): an instance takes up to `p_want` tokens of a
-- bucket in one statement and serves them from memory, instead of one statement per request. The arithmetic is
-- tally_token_bucket's (effect's token bucket); the grant is what the bucket holds, at most `p_want`; none when
-- it holds less than one token, and then `remaining` is negative as for a refused take (the retry-after).
CREATE FUNCTION tally_token_bucket_lease(
  p_key text, p_want integer, p_limit integer, p_refill_ms double precision,
  OUT granted integer, OUT remaining double precision, OUT elapsed_ms double precision
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
  granted := greatest(0, least(p_want, floor(b_tokens)::integer));
  IF granted > 0 THEN
    b_tokens := b_tokens - granted;
    remaining := b_tokens;
  ELSE
    remaining := b_tokens - 1;
  END IF;
  UPDATE rate_limit_buckets SET tokens = b_tokens, last_refill_ms = b_last, touched_at = now() WHERE key = p_key;
  elapsed_ms := greatest(0, now_ms - b_last);
END
$$;
