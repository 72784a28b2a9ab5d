-- Substring search (`?search=`) through trigram indexes on the lower-cased
-- text the query compares (`lower(col) LIKE '%term%'`). pg_trgm is a trusted
-- extension: a database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX contents_name_trgm ON contents USING gin (lower(name) gin_trgm_ops);
CREATE INDEX contents_about_trgm ON contents USING gin (lower(about) gin_trgm_ops);
CREATE INDEX reviews_title_trgm ON reviews USING gin (lower(title) gin_trgm_ops);
CREATE INDEX reviews_review_trgm ON reviews USING gin (lower(review) gin_trgm_ops);
CREATE INDEX artists_name_trgm ON artists USING gin (lower(name) gin_trgm_ops);
