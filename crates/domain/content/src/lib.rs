//! Contents (films, shows), their types, parental-control tags and media
//! files, and the catalog's view of a content.
//!
//! Each resource has its declaration (the `static`s the server validates
//! and lists with) and its typed model: the read shape ([`Content`],
//! [`ContentType`], [`ParentalControlTag`], [`MediaFile`]), the create and
//! patch bodies, and a field enum for typed list queries.
//!
//! # Use it from your service
//!
//! ```
//! use mstream_content::{ContentField, ContentQuery, NewContent};
//! use mstream_kernel::{About, ArtistId, ContentTypeId, GenreId, Name, ParentalControlTagId, WriteShape};
//!
//! let drama = GenreId::new();
//! let new = NewContent {
//!     name: Name::parse("Arrival")?,
//!     about: About::parse("Linguists meet heptapods.")?,
//!     genre: vec![drama],
//!     cast: vec![ArtistId::new()],
//!     parental_control_tags: vec![ParentalControlTagId::new()],
//!     kind: ContentTypeId::new(),
//! };
//! new.validate().expect("the server's rules hold");
//!
//! // An empty cast is refused with the server's own message.
//! let errors = NewContent { cast: vec![], ..new }.validate().unwrap_err();
//! assert_eq!(errors.messages("cast"), ["This list may not be empty."]);
//!
//! let best_dramas = ContentQuery::new()
//!     .filter(ContentField::Genre, drama)
//!     .order_by_desc(ContentField::Rating);
//! assert!(best_dramas.to_query_string().ends_with("&ordering=-rating"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

use mstream_kernel::id::{ContentKind, ContentTypeKind, MediaFileKind, ParentalControlTagKind};
use mstream_kernel::resource::{Derived, Field, Resource};
use mstream_kernel::{About, ArtistId, GenreId, Name, Timestamp};
use serde::{Deserialize, Serialize};

pub use mstream_kernel::{ContentId, ContentTypeId, MediaFileId, ParentalControlTagId};

pub mod progress;
pub use progress::{WatchPosition, WatchProgress};

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

/// A content as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Content {
    /// Its id.
    pub id: ContentId,
    /// Unique.
    pub name: Name,
    /// A description.
    pub about: About,
    /// Its genres.
    pub genre: Vec<GenreId>,
    /// The names of its genres.
    pub genre_name: Vec<String>,
    /// Its artists.
    pub cast: Vec<ArtistId>,
    /// The names of its artists.
    pub cast_name: Vec<String>,
    /// Its parental-control tags.
    pub parental_control_tags: Vec<ParentalControlTagId>,
    /// The names of its tags.
    pub parental_control_tags_name: Vec<String>,
    /// Its type (`type` on the wire).
    #[serde(rename = "type")]
    pub kind: ContentTypeId,
    /// The name of its type.
    pub type_name: Option<String>,
    /// The exact mean of its reviews' ratings; `0.0` with none.
    pub rating: f64,
    /// How many reviews it has.
    pub reviews_count: i64,
    /// When it was made.
    pub created: Timestamp,
    /// When it last changed.
    pub updated: Timestamp,
}

/// The body that creates a content (and replaces one with `PUT`). The id
/// lists may not be empty and every id must exist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewContent {
    /// Unique.
    pub name: Name,
    /// A description.
    pub about: About,
    /// Its genres.
    pub genre: Vec<GenreId>,
    /// Its artists.
    pub cast: Vec<ArtistId>,
    /// Its parental-control tags.
    pub parental_control_tags: Vec<ParentalControlTagId>,
    /// Its type (`type` on the wire).
    #[serde(rename = "type")]
    pub kind: ContentTypeId,
}

/// A partial change to a content (`PATCH`); absent fields are kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContentPatch {
    /// A new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// A new description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<About>,
    /// New genres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<Vec<GenreId>>,
    /// A new cast.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cast: Option<Vec<ArtistId>>,
    /// New tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parental_control_tags: Option<Vec<ParentalControlTagId>>,
    /// A new type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ContentTypeId>,
}

mstream_kernel::query_fields! {
    /// What a list of contents (and the catalog) filters and orders by.
    pub enum ContentField for CONTENT {
        Id = "id", Name = "name", About = "about", Genre = "genre", Cast = "cast",
        ParentalControlTags = "parental_control_tags", Type = "type", Rating = "rating",
        ReviewsCount = "reviews_count", Created = "created", Updated = "updated",
    }
}

/// A typed list query over contents (`/api/contents/` and `/api/catalog/`).
pub type ContentQuery = mstream_kernel::Query<ContentField>;

mstream_kernel::impl_model!(
    Content,
    CONTENT,
    ContentKind,
    NewContent,
    ContentPatch,
    ContentField
);

/// A content type as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentType {
    /// Its id.
    pub id: ContentTypeId,
    /// Unique ("Movie"); `type` on the wire.
    #[serde(rename = "type")]
    pub name: Name,
    /// The names of the contents of this type.
    pub content: Vec<String>,
    /// When it was made.
    pub created: Timestamp,
    /// When it last changed.
    pub updated: Timestamp,
}

/// The body that creates a content type (and replaces one with `PUT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewContentType {
    /// Unique; `type` on the wire.
    #[serde(rename = "type")]
    pub name: Name,
}

/// A partial change to a content type (`PATCH`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContentTypePatch {
    /// A new name; `type` on the wire.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
}

mstream_kernel::query_fields! {
    /// What a list of content types filters and orders by.
    pub enum ContentTypeField for CONTENT_TYPE { Id = "id", Type = "type", Created = "created", Updated = "updated" }
}

/// A typed list query over content types.
pub type ContentTypeQuery = mstream_kernel::Query<ContentTypeField>;

mstream_kernel::impl_model!(
    ContentType,
    CONTENT_TYPE,
    ContentTypeKind,
    NewContentType,
    ContentTypePatch,
    ContentTypeField
);

/// A parental-control tag as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParentalControlTag {
    /// Its id.
    pub id: ParentalControlTagId,
    /// Unique ("PG-13").
    pub name: Name,
    /// The names of the contents carrying it.
    pub content: Vec<String>,
    /// When it was made.
    pub created: Timestamp,
    /// When it last changed.
    pub updated: Timestamp,
}

/// The body that creates a tag (and replaces one with `PUT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewParentalControlTag {
    /// Unique.
    pub name: Name,
}

/// A partial change to a tag (`PATCH`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParentalControlTagPatch {
    /// A new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
}

mstream_kernel::query_fields! {
    /// What a list of tags filters and orders by.
    pub enum ParentalControlTagField for PARENTAL_CONTROL_TAG { Id = "id", Name = "name", Created = "created", Updated = "updated" }
}

/// A typed list query over tags.
pub type ParentalControlTagQuery = mstream_kernel::Query<ParentalControlTagField>;

mstream_kernel::impl_model!(
    ParentalControlTag,
    PARENTAL_CONTROL_TAG,
    ParentalControlTagKind,
    NewParentalControlTag,
    ParentalControlTagPatch,
    ParentalControlTagField
);

/// A media file as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaFile {
    /// Its id.
    pub id: MediaFileId,
    /// Unique.
    pub name: Name,
    /// An absolute signed URL of the bytes (unsigned with `media.public`).
    pub file: Option<String>,
    /// The content it belongs to.
    pub content: ContentId,
    /// That content's name.
    pub content_name: Option<String>,
    /// Bytes.
    pub size: i64,
    /// Sniffed from the bytes.
    pub mime_type: String,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// When it was made.
    pub created: Timestamp,
    /// When it last changed.
    pub updated: Timestamp,
}

/// The text parts of a media-file upload; the bytes travel beside them in
/// the multipart body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMediaFile {
    /// Unique.
    pub name: Name,
    /// The content it belongs to.
    pub content: ContentId,
}

/// A partial change to a media file; new bytes, if any, travel beside it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MediaFilePatch {
    /// A new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// Another content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<ContentId>,
}

mstream_kernel::query_fields! {
    /// What a list of media files filters and orders by.
    pub enum MediaFileField for MEDIA_FILE {
        Id = "id", Name = "name", Content = "content", Size = "size", MimeType = "mime_type",
        Sha256 = "sha256", Created = "created", Updated = "updated",
    }
}

/// A typed list query over media files.
pub type MediaFileQuery = mstream_kernel::Query<MediaFileField>;

mstream_kernel::impl_model!(
    MediaFile,
    MEDIA_FILE,
    MediaFileKind,
    NewMediaFile,
    MediaFilePatch,
    MediaFileField
);

/// One content in the subscribers' catalog (`/api/catalog/<id>/`): the
/// content, who made it, and what can be played.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogEntry {
    /// The content, in its usual shape.
    #[serde(flatten)]
    pub content: Content,
    /// Its artists and their roles.
    pub credits: Vec<CatalogCredit>,
    /// Its media files.
    pub media: Vec<CatalogMedia>,
}

/// An artist's role in a [`CatalogEntry`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogCredit {
    /// The artist.
    pub artist: ArtistId,
    /// Their name.
    pub artist_name: Option<String>,
    /// Their role ("Director").
    pub relation: String,
}

/// A playable file of a [`CatalogEntry`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogMedia {
    /// The media file.
    pub id: MediaFileId,
    /// Its name.
    pub name: String,
    /// Its type.
    pub mime_type: String,
    /// Bytes.
    pub size: i64,
    /// A signed URL to stream it, for admins and subscribers; `None` for
    /// others.
    pub stream_url: Option<String>,
    /// A signed URL of its HLS master playlist once packaged, for admins
    /// and subscribers; `None` otherwise.
    #[serde(default)]
    pub hls_url: Option<String>,
    /// A signed URL of its poster (a JPEG frame) once packaged.
    #[serde(default)]
    pub poster_url: Option<String>,
    /// Its duration in seconds once packaged.
    #[serde(default)]
    pub duration: Option<f64>,
    /// Its HLS packaging job; `None` for audio and images.
    #[serde(default)]
    pub packaging: Option<Packaging>,
}

/// Where the HLS packaging of a video is (docs/hls.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Packaging {
    /// `queued`, `running`, `ready` or `failed`.
    pub state: String,
    /// 0–100.
    pub progress: i64,
    /// Why the last attempt failed.
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use mstream_kernel::model::check_model;

    #[test]
    fn the_typed_models_match_their_declarations() {
        check_model::<super::Content>().unwrap();
        check_model::<super::ContentType>().unwrap();
        check_model::<super::ParentalControlTag>().unwrap();
        check_model::<super::MediaFile>().unwrap();
    }
}
