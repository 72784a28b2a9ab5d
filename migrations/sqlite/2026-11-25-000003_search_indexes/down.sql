DROP TRIGGER contents_fts_insert;
DROP TRIGGER contents_fts_delete;
DROP TRIGGER contents_fts_update;
DROP TABLE contents_fts;
DROP TRIGGER reviews_fts_insert;
DROP TRIGGER reviews_fts_delete;
DROP TRIGGER reviews_fts_update;
DROP TABLE reviews_fts;
