-- Fenced idempotency claims (issue 10 A3, docs/adr/0027-idempotency-claims.md): each claim gets a token; only
-- its holder renews, completes or releases it. `derivation` is how ids derived from the key are made for this
-- record (NULL: the scheme before 0029, kept for records claimed by an older server).
ALTER TABLE idempotency_keys ADD COLUMN claim_token uuid;
ALTER TABLE idempotency_keys ADD COLUMN derivation smallint CHECK (derivation IN (2));
