-- Write generations (docs/decisions.md, "Caches coherent across processes"):
-- every write transaction moves `catalog`, and every write that revokes or
-- changes a token's user moves `accounts`, in the same transaction as the
-- write. A process answers a read from its caches only while the
-- generation it read after the request arrived is the one it cached under.
CREATE TABLE write_generations (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    catalog BIGINT NOT NULL,
    accounts BIGINT NOT NULL
);
INSERT INTO write_generations (id, catalog, accounts) VALUES (1, 0, 0);
