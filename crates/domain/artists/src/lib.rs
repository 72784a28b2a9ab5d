//! Artists and their credits (artist–content relations: who directed or
//! acted in what).
//!
//! [`ARTIST`] and [`ARTIST_CONTENT_RELATION`] are the declarations the
//! server validates and lists with; [`Artist`] and [`Credit`] (with their
//! create and patch bodies and field enums) are the typed model.
//!
//! # Use it from your service
//!
//! ```
//! use mstream_artists::{ArtistField, ArtistQuery, NewArtist, NewCredit};
//! use mstream_kernel::{About, ArtistId, ContentId, Name, WriteShape};
//!
//! let villeneuve = NewArtist {
//!     name: Name::parse("Denis Villeneuve")?,
//!     about: About::parse("Director.")?,
//! };
//! villeneuve.validate().expect("valid");
//! let credit = NewCredit {
//!     artist: ArtistId::new(),
//!     content: ContentId::new(),
//!     relation: Name::parse("Director")?,
//! };
//! credit.validate().expect("valid");
//! let query = ArtistQuery::new().search("denis").order_by(ArtistField::Name);
//! assert_eq!(query.to_query_string(), "search=denis&ordering=name");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

use mstream_kernel::id::{ArtistKind, CreditKind};
use mstream_kernel::resource::{Derived, Field, Resource};
use mstream_kernel::{About, ContentId, Name, Timestamp};
use serde::{Deserialize, Serialize};

pub use mstream_kernel::{ArtistId, CreditId};

/// An artist (`/api/artists/`): a unique name, a description, and their
/// credits as nested relations.
pub static ARTIST: Resource = Resource {
    name: "artists",
    noun: "artist",
    fields: &[
        Field::id(),
        Field::text("name", 70).listed().unique(),
        Field::text("about", 350).filter().search(),
        Field::derived("credits", Derived::ObjectList),
        Field::timestamp("created"),
        Field::timestamp("updated"),
    ],
};

/// A credit (`/api/artconrelation/`): an artist's role in a content.
pub static ARTIST_CONTENT_RELATION: Resource = Resource {
    name: "artconrelation",
    noun: "artist content relation",
    fields: &[
        Field::id(),
        Field::reference("artist", "artists")
            .filter()
            .search()
            .order(),
        Field::derived("artist_name", Derived::Text),
        Field::reference("content", "contents")
            .filter()
            .search()
            .order(),
        Field::derived("content_name", Derived::Text),
        Field::text("relation", 70).listed(),
        Field::timestamp("created"),
        Field::timestamp("updated"),
    ],
};

/// An artist as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artist {
    /// Their id.
    pub id: ArtistId,
    /// Unique.
    pub name: Name,
    /// A description.
    pub about: About,
    /// Their roles, in the credit shape.
    pub credits: Vec<Credit>,
    /// When the artist was added.
    pub created: Timestamp,
    /// When they last changed.
    pub updated: Timestamp,
}

/// The body that creates an artist (and replaces one with `PUT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewArtist {
    /// Unique.
    pub name: Name,
    /// A description.
    pub about: About,
}

/// A partial change to an artist (`PATCH`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArtistPatch {
    /// A new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// A new description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<About>,
}

mstream_kernel::query_fields! {
    /// What a list of artists filters and orders by.
    pub enum ArtistField for ARTIST { Id = "id", Name = "name", About = "about", Created = "created", Updated = "updated" }
}

/// A typed list query over artists.
pub type ArtistQuery = mstream_kernel::Query<ArtistField>;

mstream_kernel::impl_model!(
    Artist,
    ARTIST,
    ArtistKind,
    NewArtist,
    ArtistPatch,
    ArtistField
);

/// A credit (`/api/artconrelation/`) as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credit {
    /// Its id.
    pub id: CreditId,
    /// The artist.
    pub artist: ArtistId,
    /// Their name.
    pub artist_name: Option<String>,
    /// The content.
    pub content: ContentId,
    /// Its name.
    pub content_name: Option<String>,
    /// The role ("Director", "Actor").
    pub relation: Name,
    /// When it was made.
    pub created: Timestamp,
    /// When it last changed.
    pub updated: Timestamp,
}

/// The body that creates a credit (and replaces one with `PUT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCredit {
    /// The artist.
    pub artist: ArtistId,
    /// The content.
    pub content: ContentId,
    /// The role.
    pub relation: Name,
}

/// A partial change to a credit (`PATCH`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreditPatch {
    /// Another artist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artist: Option<ArtistId>,
    /// Another content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<ContentId>,
    /// Another role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<Name>,
}

mstream_kernel::query_fields! {
    /// What a list of credits filters and orders by.
    pub enum CreditField for ARTIST_CONTENT_RELATION {
        Id = "id", Artist = "artist", Content = "content", Relation = "relation",
        Created = "created", Updated = "updated",
    }
}

/// A typed list query over credits.
pub type CreditQuery = mstream_kernel::Query<CreditField>;

mstream_kernel::impl_model!(
    Credit,
    ARTIST_CONTENT_RELATION,
    CreditKind,
    NewCredit,
    CreditPatch,
    CreditField
);

#[cfg(test)]
mod tests {
    use mstream_kernel::model::check_model;

    #[test]
    fn the_typed_models_match_their_declarations() {
        check_model::<super::Artist>().unwrap();
        check_model::<super::Credit>().unwrap();
    }
}
