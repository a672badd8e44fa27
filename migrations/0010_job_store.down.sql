DROP TABLE job_queue;
DROP TABLE transitions;
DROP TABLE jobs;
DROP TABLE subscriptions;
DROP TABLE events;
DROP FUNCTION tally_refuse_job_store_change();
