ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_webhook_fk;
DROP TABLE webhooks;
