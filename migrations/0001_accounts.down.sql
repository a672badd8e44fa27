DROP TABLE tally_seeds;
DROP TABLE system_accounts;
DROP TABLE accounts;
DROP TABLE owners;
