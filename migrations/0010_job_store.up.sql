-- The job store ("database as a queue", docs/reference/jobs.md). Events are appended in the transaction of the
-- change that caused them; each fans out to one job per matching subscription; a job's life is its append-only
-- list of transitions, and its current state is the latest one. events, jobs and transitions refuse UPDATE,
-- and DELETE except from the retention job, which sets `tally.job_retention` for its transaction.
CREATE TABLE events (
  id uuid PRIMARY KEY,
  source text NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
  name text NOT NULL CHECK (name ~ '^[a-z_]+(\.[a-z_]+)+$'),
  context jsonb NOT NULL,
  data jsonb NOT NULL,
  sent_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_name_idx ON events (name, ingested_at);

-- Who wants which events: one row per (destination, target, event name or '*'). A destination's target gets at
-- most two jobs per event: its wildcard subscription and the specific one.
CREATE TABLE subscriptions (
  id uuid PRIMARY KEY,
  destination text NOT NULL CHECK (destination IN ('mail', 'webhook')),
  webhook_id uuid,
  event_name text NOT NULL CHECK (event_name = '*' OR event_name ~ '^[a-z_]+(\.[a-z_]+)+$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT subscriptions_webhook_target CHECK ((destination = 'webhook') = (webhook_id IS NOT NULL))
);
CREATE UNIQUE INDEX subscriptions_target_event_idx
  ON subscriptions (destination, coalesce(webhook_id, '00000000-0000-0000-0000-000000000000'::uuid), event_name);
-- the fan-out join of every outbox write: events by name, and the wildcard
CREATE INDEX subscriptions_event_idx ON subscriptions (event_name);

CREATE TABLE jobs (
  id uuid PRIMARY KEY,
  event_id uuid NOT NULL REFERENCES events (id),
  event_name text NOT NULL,
  subscription_id uuid NOT NULL REFERENCES subscriptions (id),
  destination text NOT NULL,
  created_at timestamptz NOT NULL,
  CONSTRAINT jobs_one_per_subscription UNIQUE (event_id, subscription_id)
);
-- admin listing (cursor on created_at, id), by destination and by event name
CREATE INDEX jobs_created_idx ON jobs (created_at, id);
CREATE INDEX jobs_destination_idx ON jobs (destination, created_at, id);
CREATE INDEX jobs_event_name_idx ON jobs (event_name, created_at, id);

CREATE TABLE transitions (
  job_id uuid NOT NULL REFERENCES jobs (id),
  -- 0, 1, 2, … per job: two appenders racing from the same head collide on the primary key
  seq integer NOT NULL CHECK (seq >= 0),
  attempt integer NOT NULL CHECK (attempt >= 0),
  state_before text,
  state_after text NOT NULL,
  error text CHECK (length(error) <= 2000),
  -- awaiting: when the attempt is due; executing: when its lease ends
  due_at timestamptz,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (job_id, seq),
  CONSTRAINT transitions_first_is_acknowledged CHECK (
    (seq = 0) = (state_before IS NULL) AND (seq = 0) = (state_after = 'acknowledged')
  ),
  -- the state machine of packages/domain/src/JobState.ts, checked a second time here
  CONSTRAINT transitions_legal CHECK (
    state_before IS NULL
    OR (state_before, state_after) IN (
      ('acknowledged', 'awaiting'), ('awaiting', 'executing'), ('executing', 'executing'), ('executing', 'succeeded'),
      ('executing', 'failed'), ('failed', 'awaiting'), ('failed', 'discarded'), ('discarded', 'awaiting')
    )
  ),
  CONSTRAINT transitions_due_iff_pending CHECK ((due_at IS NOT NULL) = (state_after IN ('awaiting', 'executing')))
);
-- retention: succeeded jobs by age
CREATE INDEX transitions_succeeded_idx ON transitions (created_at) WHERE state_after = 'succeeded';

-- The dispatcher's claim index: one row per job whose latest transition is awaiting or executing, written in
-- the same statement as that transition and removed with the one that ends it. Unlike the three tables above
-- it is updated: it is a cache of the transitions (like account balances of entries), rebuildable from them
-- (docs/adr/0013-job-store.md).
CREATE TABLE job_queue (
  job_id uuid PRIMARY KEY REFERENCES jobs (id),
  destination text NOT NULL,
  state text NOT NULL CHECK (state IN ('awaiting', 'executing')),
  seq integer NOT NULL,
  attempt integer NOT NULL,
  due_at timestamptz NOT NULL
);
CREATE INDEX job_queue_due_idx ON job_queue (destination, due_at);

CREATE FUNCTION tally_refuse_job_store_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('tally.job_retention', true) = 'on' THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'table % is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION tally_refuse_job_store_change();
CREATE TRIGGER jobs_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON jobs
  FOR EACH STATEMENT EXECUTE FUNCTION tally_refuse_job_store_change();
CREATE TRIGGER transitions_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON transitions
  FOR EACH STATEMENT EXECUTE FUNCTION tally_refuse_job_store_change();
