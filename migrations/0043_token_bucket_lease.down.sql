DROP FUNCTION tally_token_bucket_lease(text, integer, integer, double precision);
