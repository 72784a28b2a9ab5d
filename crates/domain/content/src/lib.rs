//! Contents (films, shows), their types, parental-control tags and media
//! files.

use mstream_kernel::resource::{Derived, Field, Resource};

/// Longest `about` text of a content or artist.
pub const ABOUT_MAX: usize = 350;

/// A content (`/api/contents/`): a unique name, a description, its genres,
/// cast, parental-control tags and type, and the mean of its reviews.
pub static CONTENT: Resource = Resource {
    name: "contents",
    noun: "content",
    fields: &[
        Field::id(),
        Field::text("name", 70).listed().unique(),
        Field::text("about", ABOUT_MAX).filter().search(),
        Field::references("genre", "genre").filter().search(),
        Field::derived("genre_name", Derived::TextList),
        Field::references("cast", "artists").filter().search(),
        Field::derived("cast_name", Derived::TextList),
        Field::references("parental_control_tags", "parcontag")
            .filter()
            .search(),
        Field::derived("parental_control_tags_name", Derived::TextList),
        Field::reference("type", "contype")
            .filter()
            .search()
            .order(),
        Field::derived("type_name", Derived::Text),
        Field::float("rating").filter().order(),
        Field::int("reviews_count", 0, i64::MAX)
            .read_only()
            .filter()
            .order(),
        Field::timestamp("created"),
        Field::timestamp("updated"),
    ],
};

/// A content type (`/api/contype/`): "Movie", "Show".
pub static CONTENT_TYPE: Resource = Resource {
    name: "contype",
    noun: "content type",
    fields: &[
        Field::id(),
        Field::text("type", 70).listed().unique(),
        Field::derived("content", Derived::TextList),
        Field::timestamp("created"),
        Field::timestamp("updated"),
    ],
};

/// A parental-control tag (`/api/parcontag/`): "PG-13", "Violence".
pub static PARENTAL_CONTROL_TAG: Resource = Resource {
    name: "parcontag",
    noun: "parental control tag",
    fields: &[
        Field::id(),
        Field::text("name", 70).listed().unique(),
        Field::derived("content", Derived::TextList),
        Field::timestamp("created"),
        Field::timestamp("updated"),
    ],
};

/// A media file of a content (`/api/conmediafile/`): uploaded bytes with
/// their size, MIME type and SHA-256, read back as a signed URL.
pub static MEDIA_FILE: Resource = Resource {
    name: "conmediafile",
    noun: "content media file",
    fields: &[
        Field::id(),
        Field::text("name", 70).listed().unique(),
        Field::file("file"),
        Field::reference("content", "contents")
            .filter()
            .search()
            .order(),
        Field::derived("content_name", Derived::Text),
        Field::int("size", 0, i64::MAX).read_only().filter().order(),
        Field::text("mime_type", 255)
            .read_only()
            .filter()
            .search()
            .order(),
        Field::text("sha256", 64).read_only().filter(),
        Field::timestamp("created"),
        Field::timestamp("updated"),
    ],
};
