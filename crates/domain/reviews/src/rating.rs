//! The rating of a review and the exact mean of a content's ratings.

/// A review's rating: a whole number from 0 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rating(u8);

impl Rating {
    /// The lowest rating.
    pub const MIN: u8 = 0;
    /// The highest rating.
    pub const MAX: u8 = 5;

    /// Accepts `0..=5`.
    pub fn new(value: i64) -> Option<Self> {
        u8::try_from(value)
            .ok()
            .filter(|v| (Self::MIN..=Self::MAX).contains(v))
            .map(Self)
    }

    /// The value.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// On the wire a rating is a bare integer; reading one outside 0–5 fails.
impl serde::Serialize for Rating {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Rating {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = i64::deserialize(d)?;
        Self::new(value).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "a rating is a whole number from {} to {}, not {value}",
                Self::MIN,
                Self::MAX
            ))
        })
    }
}

/// What makes a content's mean rating exact: the sum and the number of its
/// reviews' ratings. Stored as integers, so adding and removing ratings never
/// drifts; the mean is derived on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RatingSummary {
    sum: i64,
    count: i64,
}

impl RatingSummary {
    /// A content with no reviews.
    pub const EMPTY: RatingSummary = RatingSummary { sum: 0, count: 0 };

    /// From a stored sum and count (as aggregated by the database). Returns
    /// `None` for impossible pairs (negative, or a sum beyond 5 × count).
    pub fn from_parts(sum: i64, count: i64) -> Option<Self> {
        let max = count.checked_mul(i64::from(Rating::MAX))?;
        (count >= 0 && sum >= 0 && sum <= max).then_some(Self { sum, count })
    }

    /// The sum of the ratings.
    pub fn sum(&self) -> i64 {
        self.sum
    }

    /// The number of ratings.
    pub fn count(&self) -> i64 {
        self.count
    }

    /// With one more rating.
    pub fn with(self, rating: Rating) -> Self {
        Self {
            sum: self.sum + i64::from(rating.get()),
            count: self.count + 1,
        }
    }

    /// Without one rating that was counted before; `None` if it cannot have
    /// been (the summary is empty or too small).
    pub fn without(self, rating: Rating) -> Option<Self> {
        Self::from_parts(self.sum - i64::from(rating.get()), self.count - 1)
    }

    /// The arithmetic mean, `0.0` when there are no ratings.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `|x - sum/count|` times `count * 2^80` (the same positive factor for
    /// every `x`, so distances compare), computed exactly in integers.
    fn distance_to_ratio(x: f64, sum: i128, count: i128) -> i128 {
        // x = mantissa * 2^exponent exactly, for finite non-negative x.
        let bits = x.to_bits();
        let raw_exponent = ((bits >> 52) & 0x7ff) as i32;
        let fraction = (bits & ((1 << 52) - 1)) as i128;
        let (mantissa, exponent) = if raw_exponent == 0 {
            (fraction, -1074)
        } else {
            (fraction | (1 << 52), raw_exponent - 1075)
        };
        // The doubles compared here are at least 1/256 (2^-8), so x * 2^80
        // is an integer.
        let scale = 80 + exponent;
        assert!(
            (0..=100).contains(&scale),
            "x = {x} out of the tested range"
        );
        ((mantissa << scale) * count - (sum << 80)).abs()
    }

    fn next_toward(x: f64, target: f64) -> f64 {
        if target > x {
            f64::from_bits(x.to_bits() + 1)
        } else {
            f64::from_bits(x.to_bits() - 1)
        }
    }

    fn rating() -> impl Strategy<Value = Rating> {
        (0i64..=5).prop_map(|v| Rating::new(v).unwrap())
    }

    #[test]
    fn ratings_outside_zero_to_five_are_refused() {
        assert!(Rating::new(-1).is_none());
        assert!(Rating::new(6).is_none());
        assert_eq!(Rating::new(5).map(Rating::get), Some(5));
        assert_eq!(RatingSummary::EMPTY.mean(), 0.0);
    }

    proptest! {
        #[test]
        fn mean_is_the_nearest_double_to_the_exact_mean(
            ratings in proptest::collection::vec(rating(), 0..200)
        ) {
            let summary = ratings.iter().fold(RatingSummary::EMPTY, |s, r| s.with(*r));
            let mean = summary.mean();
            // Independent of the code under test: integer sum and count of
            // the raw ratings, compared as exact rationals.
            let sum: i128 = ratings.iter().map(|r| i128::from(r.get())).sum();
            let count = ratings.len() as i128;
            if sum == 0 {
                // No ratings, or only zeros: exactly 0.0.
                prop_assert_eq!(mean, 0.0);
            } else {
                // sum / count >= 1/199 here, so the mean and both of its
                // neighbours are normal doubles of at least 1/256.
                prop_assert!(mean >= 1.0 / 256.0, "mean {} for {}/{}", mean, sum, count);
                let error = |x: f64| distance_to_ratio(x, sum, count);
                prop_assert!(error(mean) <= error(next_toward(mean, f64::INFINITY)));
                prop_assert!(error(mean) <= error(next_toward(mean, 0.0)));
            }
        }

        #[test]
        fn adding_then_removing_restores_the_summary(
            ratings in proptest::collection::vec(rating(), 0..50), extra in rating()
        ) {
            let summary = ratings.iter().fold(RatingSummary::EMPTY, |s, r| s.with(*r));
            prop_assert_eq!(summary.with(extra).without(extra), Some(summary));
        }
    }
}
