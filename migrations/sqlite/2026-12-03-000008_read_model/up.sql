-- A content's read model (issue #18): its genres, cast and tags (ids and
-- names, ordered by name) and its type's name as JSON, kept by
-- crates/db/src/read_model.rs in the same UPDATE as the search text, so a
-- list page and a detail read no relation statement. NULL reads the
-- relations instead; the UPDATE below fills every existing row.
ALTER TABLE contents ADD COLUMN read_model TEXT;
UPDATE contents SET read_model = '['
    || COALESCE((SELECT json_group_array(json_array(l.genre_id, x.name) ORDER BY x.name, l.genre_id) FROM content_genres l JOIN genres x ON x.id = l.genre_id WHERE l.content_id = contents.id), '[]')
    || ',' || COALESCE((SELECT json_group_array(json_array(l.artist_id, x.name) ORDER BY x.name, l.artist_id) FROM content_cast l JOIN artists x ON x.id = l.artist_id WHERE l.content_id = contents.id), '[]')
    || ',' || COALESCE((SELECT json_group_array(json_array(l.tag_id, x.name) ORDER BY x.name, l.tag_id) FROM content_tags l JOIN parental_control_tags x ON x.id = l.tag_id WHERE l.content_id = contents.id), '[]')
    || ',' || COALESCE((SELECT json_quote(x.type) FROM content_types x WHERE x.id = contents.type_id), 'null')
    || ']';
