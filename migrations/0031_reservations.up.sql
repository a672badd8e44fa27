-- A reservation holds seats and, in the same transaction, the payer's pending transfer (hold_transfer_id).
-- refund_transfer_id is fixed when the reservation is made: the refund after an event's cancellation is an
-- ordinary transfer under that id, so a retried refund finds its first attempt instead of paying twice.
CREATE TABLE reservations (
  id uuid PRIMARY KEY,
  event_id uuid NOT NULL REFERENCES ticketed_events (id),
  payer_account_id uuid NOT NULL REFERENCES accounts (id),
  holder_id uuid NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  amount bigint NOT NULL CHECK (amount > 0),
  hold_transfer_id uuid NOT NULL UNIQUE REFERENCES transfers (id),
  refund_transfer_id uuid NOT NULL UNIQUE,
  status text NOT NULL CHECK (status IN ('held', 'confirmed', 'cancelled', 'expired', 'refunded')),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX reservations_due_idx ON reservations (expires_at) WHERE status = 'held';
CREATE INDEX reservations_open_idx ON reservations (event_id, id) WHERE status IN ('held', 'confirmed');
CREATE INDEX reservations_holder_idx ON reservations (holder_id, event_id) WHERE status = 'confirmed';

-- Seats each holder holds right now (held reservations), for the per-holder cap
-- (TALLY_RESERVATION_SEATS_HELD_MAX, checked in the same statement that takes the seats).
CREATE TABLE seat_holders (
  holder_id uuid PRIMARY KEY,
  seats_held integer NOT NULL CHECK (seats_held >= 0)
);

-- One ticket per seat of a confirmed reservation. Tickets are never changed: the database refuses it.
CREATE TABLE tickets (
  id uuid PRIMARY KEY,
  reservation_id uuid NOT NULL REFERENCES reservations (id),
  event_id uuid NOT NULL REFERENCES ticketed_events (id),
  holder_id uuid NOT NULL,
  seat integer NOT NULL CHECK (seat > 0),
  verification_code text NOT NULL UNIQUE CHECK (length(verification_code) BETWEEN 8 AND 64),
  issued_at timestamptz NOT NULL,
  UNIQUE (reservation_id, seat)
);
CREATE INDEX tickets_event_idx ON tickets (event_id);
CREATE TRIGGER tickets_append_only BEFORE UPDATE OR DELETE ON tickets FOR EACH ROW EXECUTE FUNCTION tally_refuse_change();
CREATE TRIGGER tickets_no_truncate BEFORE TRUNCATE ON tickets FOR EACH STATEMENT EXECUTE FUNCTION tally_refuse_change();
