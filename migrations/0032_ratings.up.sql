-- Ratings are events: appended, never changed (the database refuses UPDATE, DELETE, TRUNCATE). A user's
-- current rating of an event is their latest event. seq orders them; ratings of one event are appended
-- under the lock of its histogram row, so seq order is also the order they were applied in.
CREATE TABLE rating_events (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id uuid NOT NULL REFERENCES ticketed_events (id),
  user_id uuid NOT NULL,
  value smallint NOT NULL CHECK (value BETWEEN 1 AND 5),
  rated_at timestamptz NOT NULL
);
CREATE INDEX rating_events_user_idx ON rating_events (event_id, user_id, seq DESC);
CREATE TRIGGER rating_events_append_only BEFORE UPDATE OR DELETE ON rating_events FOR EACH ROW EXECUTE FUNCTION tally_refuse_change();
CREATE TRIGGER rating_events_no_truncate BEFORE TRUNCATE ON rating_events FOR EACH STATEMENT EXECUTE FUNCTION tally_refuse_change();

-- The read model: current ratings per value, folded from rating_events in the same transaction as each
-- append, and rebuildable by replaying them (tally ratings rebuild).
CREATE TABLE rating_histograms (
  event_id uuid PRIMARY KEY REFERENCES ticketed_events (id),
  count_1 bigint NOT NULL DEFAULT 0 CHECK (count_1 >= 0),
  count_2 bigint NOT NULL DEFAULT 0 CHECK (count_2 >= 0),
  count_3 bigint NOT NULL DEFAULT 0 CHECK (count_3 >= 0),
  count_4 bigint NOT NULL DEFAULT 0 CHECK (count_4 >= 0),
  count_5 bigint NOT NULL DEFAULT 0 CHECK (count_5 >= 0),
  last_seq bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
