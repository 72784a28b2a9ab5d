-- The admin history (docs/decisions.md, "History of admin writes"): one row
-- per create, update or delete made through the API on a catalog resource
-- or media file, written in the same transaction as the write. `seq` orders
-- entries newest first; `changes` is JSON {field: {"old": …, "new": …}}.
-- No foreign keys: history outlives the objects and the users it names.
CREATE TABLE history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TIMESTAMP NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    resource TEXT NOT NULL,
    object_id TEXT NOT NULL,
    object_repr TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    changes TEXT NOT NULL
);
CREATE INDEX history_object ON history (object_id, seq);
CREATE INDEX history_actor ON history (actor_id, seq);
CREATE INDEX history_resource ON history (resource, seq);
