//! Reviews of contents and the rating mean kept on each content.
//!
//! [`REVIEW`] is the declaration the server validates and lists with;
//! [`Review`], [`NewReview`], [`ReviewPatch`] and [`ReviewField`] are its
//! typed model. [`Rating`] only holds 0–5, and [`RatingSummary`] computes a
//! content's mean exactly as the server does.
//!
//! # Use it from your service
//!
//! ```
//! use mstream_kernel::{About, ContentId, Name, WriteShape};
//! use mstream_reviews::{NewReview, Rating, RatingSummary, ReviewField, ReviewQuery};
//!
//! let rating = Rating::new(4).expect("0 to 5");
//! assert!(Rating::new(6).is_none());
//! let review = NewReview {
//!     content: ContentId::new(),
//!     title: Name::parse("Quietly huge")?,
//!     review: About::parse("The best first-contact film in years.")?,
//!     rating,
//! };
//! review.validate().expect("valid");
//!
//! let mean = RatingSummary::EMPTY.with(rating).with(Rating::new(5).expect("0 to 5")).mean();
//! assert_eq!(mean, 4.5);
//!
//! let mine = ReviewQuery::new().filter(ReviewField::Content, review.content);
//! assert!(mine.to_query_string().starts_with("content="));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

pub mod rating;

pub use rating::{Rating, RatingSummary};

use mstream_kernel::id::ReviewKind;
use mstream_kernel::resource::{Derived, Field, Resource};
use mstream_kernel::{About, ContentId, Name, Timestamp, UserId};
use serde::{Deserialize, Serialize};

pub use mstream_kernel::ReviewId;

/// A review (`/api/reviews/`): one per user per content; the author is the
/// caller and only the author may edit it.
pub static REVIEW: Resource = Resource {
    name: "reviews",
    noun: "review",
    fields: &[
        Field::id(),
        Field::reference("content", "contents")
            .filter()
            .search()
            .order(),
        Field::derived("content_name", Derived::Text),
        Field::reference("user", "users")
            .read_only()
            .filter()
            .order(),
        Field::text("title", 70).listed(),
        Field::text("review", 350).filter().search(),
        Field::int("rating", Rating::MIN as i64, Rating::MAX as i64)
            .filter()
            .order(),
        Field::timestamp("created"),
        Field::timestamp("updated"),
    ],
};

/// The message for a second review of the same content by the same user.
pub const ALREADY_REVIEWED: &str = "You have already reviewed this content.";

/// A review as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// Its id.
    pub id: ReviewId,
    /// The content reviewed.
    pub content: ContentId,
    /// That content's name.
    pub content_name: Option<String>,
    /// The author.
    pub user: UserId,
    /// A title (not unique).
    pub title: Name,
    /// The text (not unique).
    pub review: About,
    /// 0 to 5.
    pub rating: Rating,
    /// When it was made.
    pub created: Timestamp,
    /// When it last changed.
    pub updated: Timestamp,
}

/// The body that creates a review (and replaces one with `PUT`); the author
/// is whoever sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewReview {
    /// The content reviewed; one review per user per content.
    pub content: ContentId,
    /// A title.
    pub title: Name,
    /// The text.
    pub review: About,
    /// 0 to 5.
    pub rating: Rating,
}

/// A partial change to a review (`PATCH`, by its author only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReviewPatch {
    /// Moves the review to another content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<ContentId>,
    /// A new title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Name>,
    /// A new text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<About>,
    /// A new rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
}

mstream_kernel::query_fields! {
    /// What a list of reviews filters and orders by.
    pub enum ReviewField for REVIEW {
        Id = "id", Content = "content", User = "user", Title = "title", Review = "review",
        Rating = "rating", Created = "created", Updated = "updated",
    }
}

/// A typed list query over reviews.
pub type ReviewQuery = mstream_kernel::Query<ReviewField>;

mstream_kernel::impl_model!(
    Review,
    REVIEW,
    ReviewKind,
    NewReview,
    ReviewPatch,
    ReviewField
);

#[cfg(test)]
mod tests {
    #[test]
    fn the_typed_review_matches_the_declaration() {
        mstream_kernel::model::check_model::<super::Review>().unwrap();
    }

    #[test]
    fn ratings_read_as_bare_integers_within_bounds() {
        let rating: super::Rating = serde_json::from_str("5").unwrap();
        assert_eq!(serde_json::to_string(&rating).unwrap(), "5");
        assert!(serde_json::from_str::<super::Rating>("6").is_err());
        assert!(serde_json::from_str::<super::Rating>("-1").is_err());
    }
}
