//! Genres: a label a content is filed under ("Drama", "Sci-Fi").
//!
//! The crate holds the genre's declaration ([`GENRE`], which the server
//! validates and lists with) and its typed model: [`Genre`] as the API
//! returns it, [`NewGenre`] and [`GenrePatch`] as it accepts them, and
//! [`GenreField`] for typed list queries.
//!
//! # Use it from your service
//!
//! ```
//! use mstream_genres::{Genre, GenreField, GenreQuery, NewGenre};
//! use mstream_kernel::{Name, WriteShape};
//!
//! // A body that passes here passes the server's validation too.
//! let new = NewGenre { name: Name::parse("Drama")? };
//! new.validate().expect("valid");
//!
//! // The query string the server's list endpoint reads.
//! let query = GenreQuery::new().search("dra").order_by(GenreField::Name);
//! assert_eq!(query.to_query_string(), "search=dra&ordering=name");
//!
//! // Responses read into typed values.
//! let genre: Genre = serde_json::from_str(r#"{
//!     "id": "0b7f2c4e-8a51-4d3b-9a0e-6c1d2f3a4b5c", "name": "Drama",
//!     "content": ["Arrival"], "created": "2026-11-24T11:37:50.513076Z",
//!     "updated": "2026-11-24T11:37:50.513076Z"}"#)?;
//! assert_eq!(genre.name, "Drama");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

use mstream_kernel::id::GenreKind;
use mstream_kernel::resource::{Derived, Field, Resource};
use mstream_kernel::{Name, Timestamp};
use serde::{Deserialize, Serialize};

pub use mstream_kernel::GenreId;

/// The genre resource (`/api/genre/`): a unique name, and the names of the
/// contents filed under it.
pub static GENRE: Resource = Resource {
    name: "genre",
    noun: "genre",
    fields: &[
        Field::id(),
        Field::text("name", 70).listed().unique(),
        Field::derived("content", Derived::TextList),
        Field::timestamp("created"),
        Field::timestamp("updated"),
    ],
};

/// A genre as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Genre {
    /// Its id.
    pub id: GenreId,
    /// Unique.
    pub name: Name,
    /// The names of the contents filed under it.
    pub content: Vec<String>,
    /// When it was made.
    pub created: Timestamp,
    /// When it last changed.
    pub updated: Timestamp,
}

/// The body that creates a genre (and replaces one with `PUT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewGenre {
    /// Unique.
    pub name: Name,
}

/// A partial change to a genre (`PATCH`); absent fields are kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenrePatch {
    /// A new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
}

mstream_kernel::query_fields! {
    /// What a list of genres filters and orders by.
    pub enum GenreField for GENRE { Id = "id", Name = "name", Created = "created", Updated = "updated" }
}

/// A typed list query over genres.
pub type GenreQuery = mstream_kernel::Query<GenreField>;

mstream_kernel::impl_model!(Genre, GENRE, GenreKind, NewGenre, GenrePatch, GenreField);

#[cfg(test)]
mod tests {
    #[test]
    fn the_typed_genre_matches_the_declaration() {
        mstream_kernel::model::check_model::<super::Genre>().unwrap();
    }
}
