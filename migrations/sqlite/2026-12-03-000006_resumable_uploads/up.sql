-- Resumable (tus) uploads in progress (docs/decisions.md, "Resumable
-- uploads"): the state every process serving the upload shares. The bytes
-- live in `<media root>/.tmp/resumable/<id>`; `upload_offset` only moves
-- after they were synced to disk, so it never names bytes that are not
-- there. Times are Unix seconds.
CREATE TABLE resumable_uploads (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content_id TEXT NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    media_id TEXT REFERENCES media_files (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    metadata TEXT NOT NULL,
    upload_length BIGINT NOT NULL,
    upload_offset BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX resumable_uploads_expires ON resumable_uploads (expires_at);
