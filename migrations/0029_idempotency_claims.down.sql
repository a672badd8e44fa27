ALTER TABLE idempotency_keys DROP COLUMN derivation;
ALTER TABLE idempotency_keys DROP COLUMN claim_token;
