-- A content's search text: its name and about, and the names of its genres,
-- cast, parental-control tags and type, in one column with one trigram
-- index, so that a `?search=` term is one index probe instead of a join per
-- relation (crates/db/src/search.rs keeps it on every write). It replaces
-- the indexes over name and about alone.
DROP INDEX contents_name_trgm;
DROP INDEX contents_about_trgm;

ALTER TABLE contents ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE contents SET search_text = contents.name || ' ' || contents.about
    || ' ' || COALESCE((SELECT string_agg(x.name, ' ') FROM content_genres l JOIN genres x ON x.id = l.genre_id WHERE l.content_id = contents.id), '')
    || ' ' || COALESCE((SELECT string_agg(x.name, ' ') FROM content_cast l JOIN artists x ON x.id = l.artist_id WHERE l.content_id = contents.id), '')
    || ' ' || COALESCE((SELECT string_agg(x.name, ' ') FROM content_tags l JOIN parental_control_tags x ON x.id = l.tag_id WHERE l.content_id = contents.id), '')
    || ' ' || COALESCE((SELECT x.type FROM content_types x WHERE x.id = contents.type_id), '');
CREATE INDEX contents_search_trgm ON contents USING gin (lower(search_text) gin_trgm_ops);

-- `?ordering=-rating` and `-created` walk an index and stop after a page.
CREATE INDEX contents_rating_desc ON contents (rating DESC, id);
CREATE INDEX contents_created_desc ON contents (created DESC, id);
