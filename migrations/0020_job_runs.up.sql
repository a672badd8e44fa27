-- One row per scheduled run that executed, across every instance on this database: the (job, tick) key lets
-- exactly one instance claim a cron tick (docs/adr/0018-scheduled-jobs-run-once.md).
CREATE TABLE tally_job_runs (
  job text NOT NULL CHECK (length(job) BETWEEN 1 AND 100),
  tick timestamptz NOT NULL,
  instance text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  outcome text CHECK (outcome IN ('success', 'failure')),
  PRIMARY KEY (job, tick),
  CHECK ((finished_at IS NULL) = (outcome IS NULL))
);
