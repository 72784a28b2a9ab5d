-- Watch progress (issue #20, docs/decisions.md "Watch progress"): where a
-- user stopped in a media file. One row per (user, media file), replaced on
-- each report; gone with the user or the media file.
CREATE TABLE watch_progress (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    media_id TEXT NOT NULL REFERENCES media_files (id) ON DELETE CASCADE,
    position DOUBLE PRECISION NOT NULL,
    duration DOUBLE PRECISION,
    finished BOOLEAN NOT NULL,
    updated TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, media_id)
);
-- "Continue watching": a user's unfinished entries, most recent first.
CREATE INDEX watch_progress_recent ON watch_progress (user_id, finished, updated DESC);
-- The cascade from a deleted media file.
CREATE INDEX watch_progress_media ON watch_progress (media_id);
