DROP INDEX contents_created_desc;
DROP INDEX contents_rating_desc;
DROP TRIGGER contents_search_insert;
DROP TRIGGER contents_search_delete;
DROP TRIGGER contents_search_update;
DROP TABLE contents_search;
ALTER TABLE contents DROP COLUMN search_text;

CREATE VIRTUAL TABLE contents_fts USING fts5(
    name, about, content = 'contents', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO contents_fts (contents_fts) VALUES ('rebuild');
CREATE TRIGGER contents_fts_insert AFTER INSERT ON contents BEGIN
    INSERT INTO contents_fts (rowid, name, about) VALUES (new.rowid, new.name, new.about);
END;
CREATE TRIGGER contents_fts_delete AFTER DELETE ON contents BEGIN
    INSERT INTO contents_fts (contents_fts, rowid, name, about) VALUES ('delete', old.rowid, old.name, old.about);
END;
CREATE TRIGGER contents_fts_update AFTER UPDATE OF name, about ON contents BEGIN
    INSERT INTO contents_fts (contents_fts, rowid, name, about) VALUES ('delete', old.rowid, old.name, old.about);
    INSERT INTO contents_fts (rowid, name, about) VALUES (new.rowid, new.name, new.about);
END;
