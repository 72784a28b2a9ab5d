//! Timestamps: UTC, microsecond precision, RFC 3339 on the wire.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

/// An instant in UTC, truncated to microseconds so that every database keeps
/// and returns exactly the value that was stored. Serialises as
/// `2026-11-24T11:37:50.513076Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The current instant.
    pub fn now() -> Self {
        Self::from_utc(Utc::now())
    }

    /// Truncates `at` to microseconds.
    pub fn from_utc(at: DateTime<Utc>) -> Self {
        Self(at.trunc_subsecs(6))
    }

    /// From a naive date-time understood as UTC (how the database stores it).
    pub fn from_naive_utc(at: NaiveDateTime) -> Self {
        Self::from_utc(at.and_utc())
    }

    /// The naive UTC date-time the database stores.
    pub fn naive_utc(&self) -> NaiveDateTime {
        self.0.naive_utc()
    }

    /// The instant as a chrono value.
    pub fn as_utc(&self) -> DateTime<Utc> {
        self.0
    }

    /// Parses RFC 3339 (any offset, converted to UTC) or a bare
    /// `YYYY-MM-DD[ HH:MM[:SS[.f]]]` read as UTC, as Django's filters accept.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(at) = DateTime::parse_from_rfc3339(text) {
            return Some(Self::from_utc(at.with_timezone(&Utc)));
        }
        for format in [
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M",
        ] {
            if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
                return Some(Self::from_naive_utc(at));
            }
        }
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(Self::from_naive_utc)
    }

    /// The wire form, always with six fractional digits and `Z`.
    pub fn to_rfc3339(&self) -> String {
        self.to_string()
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.0.timestamp()
    }
}

/// The wire form, written from the date's fields (a `format` string is
/// parsed again on every call, which showed in list profiles).
impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use chrono::{Datelike, Timelike};
        let (date, time) = (self.0.date_naive(), self.0.time());
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            date.year(),
            date.month(),
            date.day(),
            time.hour(),
            time.minute(),
            time.second(),
            // A leap second's nanoseconds run past 10⁹; keep six digits.
            (time.nanosecond() / 1_000).min(999_999)
        )
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Reads the wire form back (any RFC 3339 offset is converted to UTC), so
/// API responses deserialise into typed models.
impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 timestamp: {text}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_has_six_digits_and_z() {
        let t = Timestamp::parse("2026-11-24T11:37:50.5130769+01:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T10:37:50.513076Z");
        let t = Timestamp::parse("2026-11-24").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T00:00:00.000000Z");
        assert!(Timestamp::parse("yesterday").is_none());
    }

    #[test]
    fn the_wire_form_reads_back() {
        let t = Timestamp::parse("2026-11-24T11:37:50.513076Z").unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
        assert!(serde_json::from_str::<Timestamp>("\"soon\"").is_err());
    }
}
