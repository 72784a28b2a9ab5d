//! Entity ids: UUIDs, lower-case and hyphenated on the wire.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use uuid::Uuid;

/// The id of an entity of kind `T` (a zero-sized marker), so that a review id
/// cannot be passed where a content id is expected.
pub struct Id<T> {
    uuid: Uuid,
    kind: PhantomData<fn() -> T>,
}

impl<T> Id<T> {
    /// A fresh random (v4) id.
    pub fn new() -> Self {
        Self::from_uuid(Uuid::new_v4())
    }

    /// Wraps an existing UUID.
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self {
            uuid,
            kind: PhantomData,
        }
    }

    /// The UUID inside.
    pub const fn uuid(&self) -> Uuid {
        self.uuid
    }

    /// Parses the canonical hyphenated form (any case); `None` otherwise.
    pub fn parse(text: &str) -> Option<Self> {
        parse_uuid(text).map(Self::from_uuid)
    }
}

/// Parses a UUID as the API accepts it: hyphenated or simple hex, any case.
/// Braced and URN forms are refused, as Django's UUID field refuses them.
pub fn parse_uuid(text: &str) -> Option<Uuid> {
    if text.len() != 36 && text.len() != 32 {
        return None;
    }
    Uuid::from_str(text).ok()
}

impl<T> Default for Id<T> {
    fn default() -> Self {
        Self::new()
    }
}
impl<T> Clone for Id<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Id<T> {}
impl<T> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        self.uuid == other.uuid
    }
}
impl<T> Eq for Id<T> {}
impl<T> std::hash::Hash for Id<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.uuid.hash(state)
    }
}
impl<T> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Id<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.uuid.cmp(&other.uuid)
    }
}
impl<T> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.uuid)
    }
}
impl<T> fmt::Display for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.uuid.hyphenated().fmt(f)
    }
}
impl<T> serde::Serialize for Id<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.uuid.serialize(s)
    }
}
impl<'de, T> serde::Deserialize<'de> for Id<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Uuid::deserialize(d).map(Self::from_uuid)
    }
}

/// Why a text is not an id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a UUID: {0:?}")]
pub struct InvalidId(pub String);

impl<T> FromStr for Id<T> {
    type Err = InvalidId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text).ok_or_else(|| InvalidId(text.to_owned()))
    }
}

impl<T> From<Id<T>> for Uuid {
    fn from(id: Id<T>) -> Uuid {
        id.uuid
    }
}

/// Declares the kind markers and id aliases of the catalog's entities. They
/// live here rather than in each resource's crate because entities refer to
/// each other across crates (a content lists artist ids, an artist's credit
/// names a content id), and the crates may not depend on each other in a
/// cycle.
macro_rules! kinds {
    ($($kind:ident => $alias:ident, $what:literal;)*) => {$(
        #[doc = concat!("Marker for the ids of ", $what, ".")]
        #[derive(Debug)]
        pub enum $kind {}
        #[doc = concat!("The id of one of the ", $what, ".")]
        pub type $alias = Id<$kind>;
    )*};
}

kinds! {
    ContentKind => ContentId, "contents";
    ContentTypeKind => ContentTypeId, "content types";
    ParentalControlTagKind => ParentalControlTagId, "parental-control tags";
    MediaFileKind => MediaFileId, "media files";
    GenreKind => GenreId, "genres";
    ArtistKind => ArtistId, "artists";
    CreditKind => CreditId, "credits (artist–content relations)";
    ReviewKind => ReviewId, "reviews";
    PlanKind => PlanId, "subscription plans";
    SubscriptionKind => SubscriptionId, "user subscriptions";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_and_write_the_hyphenated_form() {
        let text = "0b7f2c4e-8a51-4d3b-9a0e-6c1d2f3a4b5c";
        let id: GenreId = text.parse().unwrap();
        assert_eq!(id.to_string(), text);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{text}\""));
        assert!("{0b7f2c4e-8a51-4d3b-9a0e-6c1d2f3a4b5c}"
            .parse::<GenreId>()
            .is_err());
    }
}
