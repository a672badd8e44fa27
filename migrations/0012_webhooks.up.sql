-- Webhook endpoints: each event name (or '*') it asked for is one subscription of destination 'webhook'.
CREATE TABLE webhooks (
  id uuid PRIMARY KEY,
  owner_id uuid REFERENCES owners (id),
  url text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
  secret text NOT NULL CHECK (length(secret) BETWEEN 16 AND 200),
  events text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 50),
  created_at timestamptz NOT NULL
);
CREATE INDEX webhooks_owner_idx ON webhooks (owner_id, created_at, id);
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_webhook_fk FOREIGN KEY (webhook_id) REFERENCES webhooks (id);
