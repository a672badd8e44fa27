-- The payment confirmation mail is the `mail` destination of reservation.confirmed (sent to the payer's user).
INSERT INTO subscriptions (id, destination, webhook_id, event_name)
  VALUES ('00000000-0000-7000-8000-00000000a002', 'mail', NULL, 'reservation.confirmed');
