DROP TABLE watch_progress;
