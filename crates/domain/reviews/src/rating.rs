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
        fn mean_is_within_bounds_and_exact(ratings in proptest::collection::vec(rating(), 0..200)) {
            let summary = ratings.iter().fold(RatingSummary::EMPTY, |s, r| s.with(*r));
            let mean = summary.mean();
            prop_assert!((0.0..=5.0).contains(&mean));
            let expected = if ratings.is_empty() { 0.0 } else {
                ratings.iter().map(|r| f64::from(r.get())).sum::<f64>() / ratings.len() as f64
            };
            prop_assert!((mean - expected).abs() < 1e-12);
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
