DROP TABLE ticketed_events;
