DROP TABLE idempotency_keys;
DROP TABLE fx_rates;
DROP TABLE entries;
DROP FUNCTION tally_refuse_change();
DROP TABLE transfers;
