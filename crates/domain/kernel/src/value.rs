//! Values that are checked once, when they are made: a [`Text`] is always
//! trimmed, non-blank and within its limit, so code holding one never
//! validates it again.

use std::fmt;

use serde_json::Value as Json;

use crate::write::parse_text;

/// Text of at most `MAX` characters, trimmed, never blank and without NUL,
/// checked by the same function the server validates request bodies with
/// ([`crate::write::parse_text`]), so an accepted value is one the server
/// accepts.
///
/// ```
/// use mstream_kernel::value::Name;
///
/// let name = Name::parse("  Arrival ").unwrap();
/// assert_eq!(name.as_str(), "Arrival");
/// assert_eq!(
///     Name::parse(&"x".repeat(71)).unwrap_err().to_string(),
///     "Ensure this field has no more than 70 characters."
/// );
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text<const MAX: usize>(String);

/// A name or title: at most 70 characters (SPEC §3).
pub type Name = Text<70>;
/// A description or a review's text: at most 350 characters.
pub type About = Text<350>;

/// Why a text was refused, with DRF's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidText(pub String);

impl<const MAX: usize> Text<MAX> {
    /// The most characters allowed.
    pub const MAX: usize = MAX;

    /// Trims `text` and checks it.
    pub fn parse(text: &str) -> Result<Self, InvalidText> {
        parse_text(&Json::String(text.to_owned()), MAX)
            .map(Self)
            .map_err(InvalidText)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl<const MAX: usize> std::str::FromStr for Text<MAX> {
    type Err = InvalidText;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl<const MAX: usize> TryFrom<&str> for Text<MAX> {
    type Error = InvalidText;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        Self::parse(text)
    }
}

impl<const MAX: usize> AsRef<str> for Text<MAX> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> PartialEq<str> for Text<MAX> {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl<const MAX: usize> PartialEq<&str> for Text<MAX> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl<const MAX: usize> fmt::Debug for Text<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<const MAX: usize> fmt::Display for Text<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<const MAX: usize> serde::Serialize for Text<MAX> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de, const MAX: usize> serde::Deserialize<'de> for Text<MAX> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_bounded_and_never_blank() {
        assert_eq!(Name::parse(" a ").unwrap(), "a");
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse("a\0b").is_err());
        assert!(Name::parse(&"é".repeat(70)).is_ok());
        assert!(About::parse(&"x".repeat(351)).is_err());
        assert!(serde_json::from_str::<Name>("\"\"").is_err());
        assert_eq!(serde_json::from_str::<Name>("\" x\"").unwrap(), "x");
    }
}
