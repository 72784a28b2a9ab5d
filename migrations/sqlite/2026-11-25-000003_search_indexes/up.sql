-- Substring search (`?search=`) on the large tables through FTS5's trigram
-- tokenizer, which answers `col LIKE '%term%'` (terms of 3+ characters) from
-- an index. External-content tables keyed by the rowid, kept in sync by
-- triggers. After a VACUUM (which may renumber rowids) run
-- INSERT INTO contents_fts(contents_fts) VALUES ('rebuild'); and the same
-- for reviews_fts.
CREATE VIRTUAL TABLE contents_fts USING fts5(
    name, about, content = 'contents', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO contents_fts (rowid, name, about) SELECT rowid, name, about FROM contents;
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

CREATE VIRTUAL TABLE reviews_fts USING fts5(
    title, review, content = 'reviews', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO reviews_fts (rowid, title, review) SELECT rowid, title, review FROM reviews;
CREATE TRIGGER reviews_fts_insert AFTER INSERT ON reviews BEGIN
    INSERT INTO reviews_fts (rowid, title, review) VALUES (new.rowid, new.title, new.review);
END;
CREATE TRIGGER reviews_fts_delete AFTER DELETE ON reviews BEGIN
    INSERT INTO reviews_fts (reviews_fts, rowid, title, review) VALUES ('delete', old.rowid, old.title, old.review);
END;
CREATE TRIGGER reviews_fts_update AFTER UPDATE OF title, review ON reviews BEGIN
    INSERT INTO reviews_fts (reviews_fts, rowid, title, review) VALUES ('delete', old.rowid, old.title, old.review);
    INSERT INTO reviews_fts (rowid, title, review) VALUES (new.rowid, new.title, new.review);
END;
