DROP FUNCTION tally_token_bucket(text, integer, integer, double precision, boolean);
DROP TABLE rate_limit_buckets;
ALTER TABLE idempotency_keys DROP COLUMN derivation;
ALTER TABLE idempotency_keys DROP COLUMN claim_token;
