DROP TABLE media_jobs;
