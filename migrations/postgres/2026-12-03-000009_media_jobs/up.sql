-- Background jobs over media files (docs/decisions.md, "HLS packaging
-- jobs"): one row per media file and kind, reset to queued whenever the
-- file's bytes are stored again. A worker claims a due row by setting its
-- lease (owner and until); a lease that runs out (its process died) makes
-- the row claimable again. What packaging learnt (the output run, the
-- duration) is kept on the row once ready.
CREATE TABLE media_jobs (
    id TEXT PRIMARY KEY NOT NULL,
    media_file_id TEXT NOT NULL REFERENCES media_files (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'ready', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    run_after TIMESTAMP NOT NULL,
    lease_owner TEXT,
    lease_until TIMESTAMP,
    progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    reason TEXT,
    run TEXT,
    duration DOUBLE PRECISION,
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL,
    UNIQUE (media_file_id, kind)
);
CREATE INDEX media_jobs_due ON media_jobs (state, run_after);
