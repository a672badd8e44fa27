DROP TABLE rating_histograms;
DROP TABLE rating_events;
