CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL
);
CREATE INDEX users_username ON users (username);
CREATE INDEX users_email ON users (email);
CREATE INDEX users_created ON users (created, id);

CREATE TABLE auth_tokens (
    digest TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created TIMESTAMP NOT NULL
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id);

CREATE TABLE genres (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL
);
CREATE INDEX genres_created ON genres (created, id);

CREATE TABLE parental_control_tags (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL
);
CREATE INDEX parental_control_tags_created ON parental_control_tags (created, id);

CREATE TABLE content_types (
    id TEXT PRIMARY KEY NOT NULL,
    type TEXT NOT NULL UNIQUE,
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL
);
CREATE INDEX content_types_created ON content_types (created, id);

CREATE TABLE artists (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    about TEXT NOT NULL,
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL
);
CREATE INDEX artists_created ON artists (created, id);

CREATE TABLE contents (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    about TEXT NOT NULL,
    type_id TEXT NOT NULL REFERENCES content_types (id) ON DELETE CASCADE,
    rating DOUBLE PRECISION NOT NULL DEFAULT 0,
    rating_sum BIGINT NOT NULL DEFAULT 0,
    reviews_count BIGINT NOT NULL DEFAULT 0,
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL
);
CREATE INDEX contents_type ON contents (type_id);
CREATE INDEX contents_rating ON contents (rating, id);
CREATE INDEX contents_reviews_count ON contents (reviews_count, id);
CREATE INDEX contents_created ON contents (created, id);
CREATE INDEX contents_updated ON contents (updated, id);

CREATE TABLE content_genres (
    content_id TEXT NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    genre_id TEXT NOT NULL REFERENCES genres (id) ON DELETE CASCADE,
    PRIMARY KEY (content_id, genre_id)
);
CREATE INDEX content_genres_genre ON content_genres (genre_id, content_id);

CREATE TABLE content_cast (
    content_id TEXT NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    artist_id TEXT NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    PRIMARY KEY (content_id, artist_id)
);
CREATE INDEX content_cast_artist ON content_cast (artist_id, content_id);

CREATE TABLE content_tags (
    content_id TEXT NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    tag_id TEXT NOT NULL REFERENCES parental_control_tags (id) ON DELETE CASCADE,
    PRIMARY KEY (content_id, tag_id)
);
CREATE INDEX content_tags_tag ON content_tags (tag_id, content_id);

CREATE TABLE media_files (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    file TEXT NOT NULL,
    content_id TEXT NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    size BIGINT NOT NULL,
    mime_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL
);
CREATE INDEX media_files_content ON media_files (content_id);
CREATE INDEX media_files_created ON media_files (created, id);

CREATE TABLE artist_content_relations (
    id TEXT PRIMARY KEY NOT NULL,
    artist_id TEXT NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    content_id TEXT NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    relation TEXT NOT NULL,
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL
);
CREATE INDEX artist_content_relations_artist ON artist_content_relations (artist_id);
CREATE INDEX artist_content_relations_content ON artist_content_relations (content_id);
CREATE INDEX artist_content_relations_created ON artist_content_relations (created, id);

CREATE TABLE reviews (
    id TEXT PRIMARY KEY NOT NULL,
    content_id TEXT NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    review TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 0 AND 5),
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL,
    UNIQUE (user_id, content_id)
);
CREATE INDEX reviews_content ON reviews (content_id, created, id);
CREATE INDEX reviews_created ON reviews (created, id);

CREATE TABLE plans (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL
);
CREATE INDEX plans_created ON plans (created, id);

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL
);
CREATE INDEX subscriptions_plan ON subscriptions (plan_id);
CREATE INDEX subscriptions_created ON subscriptions (created, id);
