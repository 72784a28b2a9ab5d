-- The text stays folded (the original case is not kept anywhere); the old
-- index on lower(search_text) serves it as before.
DROP INDEX contents_search_trgm;
CREATE INDEX contents_search_trgm ON contents USING gin (lower(search_text) gin_trgm_ops);
