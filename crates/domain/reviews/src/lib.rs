//! Reviews of contents and the rating mean kept on each content.

pub mod rating;

pub use rating::{Rating, RatingSummary};

use mstream_kernel::resource::{Derived, Field, Resource};

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
