-- Every filter and ordering key of the list endpoints has an index; the
-- trailing id matches the lists' final ordering key.
CREATE INDEX users_updated ON users (updated, id);
CREATE INDEX users_is_admin ON users (is_admin, id);
CREATE INDEX genres_updated ON genres (updated, id);
CREATE INDEX parental_control_tags_updated ON parental_control_tags (updated, id);
CREATE INDEX content_types_updated ON content_types (updated, id);
CREATE INDEX artists_updated ON artists (updated, id);
CREATE INDEX artists_about ON artists (about);
CREATE INDEX contents_about ON contents (about);
CREATE INDEX contents_name_id ON contents (name, id);
CREATE INDEX media_files_updated ON media_files (updated, id);
CREATE INDEX media_files_size ON media_files (size, id);
CREATE INDEX media_files_mime_type ON media_files (mime_type, id);
CREATE INDEX media_files_sha256 ON media_files (sha256);
CREATE INDEX artist_content_relations_relation ON artist_content_relations (relation, id);
CREATE INDEX artist_content_relations_updated ON artist_content_relations (updated, id);
CREATE INDEX reviews_user ON reviews (user_id, id);
CREATE INDEX reviews_rating ON reviews (rating, id);
CREATE INDEX reviews_title ON reviews (title, id);
CREATE INDEX reviews_review ON reviews (review);
CREATE INDEX reviews_updated ON reviews (updated, id);
CREATE INDEX plans_updated ON plans (updated, id);
CREATE INDEX subscriptions_updated ON subscriptions (updated, id);
