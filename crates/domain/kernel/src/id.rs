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
