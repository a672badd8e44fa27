DROP TABLE tally_job_runs;
