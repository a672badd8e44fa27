-- Events sell seats paid through the ledger. Seat accounting: capacity = free + held + sold, never oversold.
-- The counters are taken by one conditional UPDATE (held = held + n WHERE held + sold + n <= capacity), run
-- last in the reservation's transaction, and backed by the CHECKs below (docs/adr/0021-seat-counting.md).
-- fillfactor leaves room for HOT updates of the hot counter row.
CREATE TABLE ticketed_events (
  id uuid PRIMARY KEY,
  organizer_account_id uuid NOT NULL REFERENCES accounts (id),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  starts_at timestamptz NOT NULL,
  price bigint NOT NULL CHECK (price > 0),
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  status text NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
  capacity integer NOT NULL CHECK (capacity BETWEEN 1 AND 1000000),
  held integer NOT NULL DEFAULT 0 CHECK (held >= 0),
  sold integer NOT NULL DEFAULT 0 CHECK (sold >= 0),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT ticketed_events_never_oversold CHECK (held + sold <= capacity)
) WITH (fillfactor = 70);
CREATE INDEX ticketed_events_upcoming_idx ON ticketed_events (starts_at, id) WHERE status = 'scheduled';
CREATE INDEX ticketed_events_organizer_idx ON ticketed_events (organizer_account_id, starts_at, id);
