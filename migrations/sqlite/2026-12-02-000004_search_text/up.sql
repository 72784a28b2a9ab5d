-- A content's search text: its name and about, and the names of its genres,
-- cast, parental-control tags and type, in one column with one trigram
-- index, so that a `?search=` term is one index probe instead of a join per
-- relation (crates/db/src/search.rs keeps it on every write). It replaces
-- the index over name and about alone.
DROP TRIGGER contents_fts_insert;
DROP TRIGGER contents_fts_delete;
DROP TRIGGER contents_fts_update;
DROP TABLE contents_fts;

ALTER TABLE contents ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE contents SET search_text = contents.name || ' ' || contents.about
    || ' ' || COALESCE((SELECT group_concat(x.name, ' ') FROM content_genres l JOIN genres x ON x.id = l.genre_id WHERE l.content_id = contents.id), '')
    || ' ' || COALESCE((SELECT group_concat(x.name, ' ') FROM content_cast l JOIN artists x ON x.id = l.artist_id WHERE l.content_id = contents.id), '')
    || ' ' || COALESCE((SELECT group_concat(x.name, ' ') FROM content_tags l JOIN parental_control_tags x ON x.id = l.tag_id WHERE l.content_id = contents.id), '')
    || ' ' || COALESCE((SELECT x.type FROM content_types x WHERE x.id = contents.type_id), '');

-- External content keyed by rowid, kept in step by triggers. After a VACUUM
-- (which may renumber rowids) run
-- INSERT INTO contents_search(contents_search) VALUES ('rebuild');
CREATE VIRTUAL TABLE contents_search USING fts5(
    search_text, content = 'contents', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO contents_search (contents_search) VALUES ('rebuild');
CREATE TRIGGER contents_search_insert AFTER INSERT ON contents BEGIN
    INSERT INTO contents_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER contents_search_delete AFTER DELETE ON contents BEGIN
    INSERT INTO contents_search (contents_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER contents_search_update AFTER UPDATE OF search_text ON contents BEGIN
    INSERT INTO contents_search (contents_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO contents_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;

-- `?ordering=-rating` and `-created` (the clients' usual orders) walk an
-- index and stop after a page, instead of sorting every content: the
-- ascending indexes cannot serve `DESC` with the ascending `id` tiebreak.
CREATE INDEX contents_rating_desc ON contents (rating DESC, id);
CREATE INDEX contents_created_desc ON contents (created DESC, id);
