DROP INDEX contents_created_desc;
DROP INDEX contents_rating_desc;
DROP INDEX contents_search_trgm;
ALTER TABLE contents DROP COLUMN search_text;
CREATE INDEX contents_name_trgm ON contents USING gin (lower(name) gin_trgm_ops);
CREATE INDEX contents_about_trgm ON contents USING gin (lower(about) gin_trgm_ops);
